"""Waiting for a process the tests started (a server answering, a flow run finishing): ask until it says
yes, or fail naming what never came."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def wait_for(what: str, probe: Callable[[], Any], seconds: float, every: float = 0.2) -> Any:
    """`probe()`'s first true answer; an HTTP error counts as "not yet" (the server is still starting)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")
