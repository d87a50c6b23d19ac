"""A real uvicorn on 127.0.0.1 serving ``vidgen_desktop.api``, and a media server for source_url.

``MediaServer`` is a plain ``http.server`` on 127.0.0.1 (the "internet" the
API fetches ``source_url`` from; allowed by the operator's prefix
``/media/`` only, as a real deployment would allow its CDN).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from vidgen_desktop import config
from vidgen_desktop.api.app import create_app
from vidgen_desktop.api.server import ApiServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def media_server(folder: Path) -> Iterator[str]:
    """Serves ``folder`` at http://127.0.0.1:PORT/ (yields that base URL)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def api_server(
    settings: config.Settings, state: ApiServer | None = None, *, run_queue: bool = True
) -> Iterator[tuple[str, ApiServer]]:
    """``vidgen serve``'s app under a real uvicorn in a thread; yields (base URL, state).

    ``state``: a server made by the test (e.g. on a job log of its own, beside an editor's).
    ``run_queue=False``: as ``vidgen serve --no-queue`` (queued jobs stay queued)."""
    state = state or ApiServer.open(settings, run_queue=run_queue)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(state), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.should_exit = True
        thread.join(30)
