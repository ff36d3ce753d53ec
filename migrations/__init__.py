"""Alembic migrations against SQLModel.metadata, run by `lineofsight init`."""
