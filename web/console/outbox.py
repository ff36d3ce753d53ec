"""The outbox as the secretariat sees it: dead and failed notices with their reasons, and revive."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
