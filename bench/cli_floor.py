"""The least a `lineofsight status` could do in this stack, for `bench/cli_start.py`'s "(stack floor)" row.

Typer reads the same options, pydantic-settings the same LINEOFSIGHT_* settings, one statement through
SQLAlchemy Core reads every item of the demo database (no ORM, no SQLModel table classes, no policy, no
calendar), and Rich draws the same columns. No product module is imported. Whatever `status` does beyond this
is ours to cut; what this costs over the bare import is the stack's: typer, pydantic-settings and Rich's
console and table, with SQLAlchemy's engine and its SQLite dialect.

    python bench/cli_floor.py status --as-of 2017-12-11
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
import typer
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINEOFSIGHT_", extra="ignore")
    database_url: str = "sqlite:///lineofsight.db"
    timezone: str = "Europe/London"


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

ITEMS = sa.text(
    "SELECT a.ref, a.title, p.name, a.current_due, a.status, a.rag FROM action a "
    "JOIN person p ON p.id = a.owner_id "
    "UNION ALL SELECT m.ref, m.title, p.name, m.due, m.status, NULL FROM milestone m "
    "JOIN person p ON p.id = m.owner_id ORDER BY 4, 1"
)


@app.command()
def status(
    plan: str | None = typer.Option(None, "--plan"),
    area: str | None = typer.Option(None, "--area"),
    owner: str | None = typer.Option(None, "--owner"),
    as_of: str | None = typer.Option(None, "--as-of"),
    output: Format = typer.Option(Format.TABLE, "--format"),
) -> None:
    from rich.console import Console
    from rich.table import Table

    settings = Settings()
    with sa.create_engine(settings.database_url).connect() as connection:
        rows = connection.execute(ITEMS).all()
    table = Table(title=f"Status on {as_of}")
    for header in ("Ref", "Title", "Owner", "Due", "Status", "RAG", "Working days to due"):
        table.add_column(header)
    for ref, title, name, due, state, rag in rows:
        table.add_row(ref, title, name, str(due), str(state), str(rag or ""), "0")
    Console().print(table)


@app.command()
def show() -> None:  # a second command, so Typer dispatches as it does for the product's
    """Unused."""


if __name__ == "__main__":
    app()
