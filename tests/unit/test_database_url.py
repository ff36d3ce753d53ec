"""Which database URLs build an engine: SQLite, and PostgreSQL through psycopg 3 however the URL spells it;
anything else is refused by name, with the expected form, and never with the password."""

from __future__ import annotations

import pytest

from models.db import database_url
from models.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "built"),
    [
        ("sqlite:///lineofsight.db", "sqlite:///lineofsight.db"),
        ("sqlite+pysqlite:////var/lib/los.db", "sqlite+pysqlite:////var/lib/los.db"),
        ("sqlite://", "sqlite://"),
        ("postgresql+psycopg://los@db:5432/los", "postgresql+psycopg://los@db:5432/los"),
        # As hosting providers hand them out: both mean psycopg 3, the driver the product is written for.
        ("postgresql://los:pw@db:5432/los", "postgresql+psycopg://los:pw@db:5432/los"),
        ("postgres://los:pw@db/los?sslmode=require", "postgresql+psycopg://los:pw@db/los?sslmode=require"),
    ],
)
def test_supported_urls(given: str, built: str) -> None:
    assert database_url(given).render_as_string(hide_password=False) == built


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("mysql://los:s3cret@db/los", "'mysql'"),
        ("postgresql+asyncpg://los:s3cret@db/los", "'postgresql+asyncpg'"),
        ("postgresql+psycopg2://los:s3cret@db/los", "'postgresql+psycopg2'"),
        ("not a url s3cret", "is not a database URL"),
    ],
)
def test_other_urls_are_refused_by_name_without_the_password(given: str, named: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        database_url(given)
    message = str(refused.value)
    assert named in message and "postgresql+psycopg://" in message and "sqlite:///" in message
    assert "s3cret" not in message
