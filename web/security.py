"""What every response of the web face carries and every request is held to (placeholder: filled by the
security work of issue 16)."""

from __future__ import annotations

from fastapi import FastAPI

from config.settings import Settings


def install(api: FastAPI, settings: Settings) -> None:
    return None
