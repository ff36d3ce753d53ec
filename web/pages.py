"""The pages an owner reaches from a message (placeholder: filled by the pages work of issue 16)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
