"""Board packs in the console: draft, approved, sent; the secretariat's covering summary and commentary;
approve and send."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
