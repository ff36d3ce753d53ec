"""The secretariat's view of a plan: the programme at a glance, the register with its filters, and each
item's whole story."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
