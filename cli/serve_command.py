"""`lineofsight serve`: run the schedules against the Prefect server named in the environment."""

from __future__ import annotations

import typer

from cli.output import console
from models.errors import ConfigurationError


def serve(
    limit: int = typer.Option(
        4, min=1, max=64, help="Most flow runs at once, 1 to 64 (late runs queue instead of piling up)."
    ),
) -> None:
    """Run the schedules until stopped: the sweep at 07:00 on weekdays, dispatch every 15 minutes from
    07:00 to 19:00 on weekdays and the board packs at 06:30 daily, in Europe/London time. Needs a Prefect
    server (`prefect server start`) named by PREFECT_API_URL."""
    from flows.bootstrap import bootstrap
    from flows.doctor import folder_problems

    app = bootstrap()  # the database must be reachable and migrated before anything is scheduled
    problems = folder_problems(app.settings)
    if problems:
        raise ConfigurationError(
            f"Cannot write where the settings say ({'; '.join(problems)}): point them at folders this user "
            "can write in (`lineofsight doctor` checks them)."
        )
    if not app.settings.prefect_api_url:
        raise ConfigurationError(
            "PREFECT_API_URL is not set: schedules need a Prefect server. Start one with "
            "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api."
        )
    from flows.deployments import serve as serve_deployments

    console().print(
        f"Serving the Line of Sight schedules against {app.settings.prefect_api_url} (Ctrl+C stops)."
    )
    serve_deployments(limit=limit)
