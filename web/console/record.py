"""The record for auditors and inspectors: the ledger's head, verify on demand, the JSONL export, history
filtered by item, person, rule and date."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
