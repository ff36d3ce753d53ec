"""Each person's private, revocable calendar feed (.ics)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
