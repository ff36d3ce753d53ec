"""Owners' requests to move a due date: accept (a re-baseline with its reason) or decline (the owner is told
why)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
