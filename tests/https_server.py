"""A local HTTPS server with a self-signed certificate, standing in for a Power Automate Workflows
endpoint: it records the cards posted to it and answers with the status codes a test queues."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.smtp_server import self_signed


class Endpoint:
    def __init__(self) -> None:
        self.cards: list[dict[str, Any]] = []
        self.queries: list[str] = []
        self.answers: list[int] = []  # served first, then 202
        self.port = 0

    def url(self, signature: str = "SECRETSIG") -> str:
        return (
            f"https://127.0.0.1:{self.port}/workflows/abc123/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={signature}"
        )


@contextmanager
def workflows_endpoint(folder: Path) -> Iterator[Endpoint]:
    endpoint = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            status = endpoint.answers.pop(0) if endpoint.answers else 202
            if status in (200, 202):
                endpoint.cards.append(json.loads(body))
                endpoint.queries.append(self.path)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = self_signed(folder).wrap_socket(server.socket, server_side=True)
    endpoint.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
