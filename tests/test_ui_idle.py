"""An idle editor writes nothing to the job log: no write transaction, no byte in the WAL."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import uikit
from test_ui_history import jobs  # noqa: F401 - the fixture: five finished jobs in a real log
from uikit import make_window

from vidgen_desktop.queue import local  # isort: skip
from vidgen_desktop.store.database import default_path

home = uikit.home
WAIT_MS = 30_000
IDLE_MS = 4_000  # eight polls of each queue worker, several recoveries (sped up below)


def test_the_idle_editor_writes_nothing_to_the_job_log(qtbot, jobs, monkeypatch):  # noqa: F811
    from sqlalchemy import event

    monkeypatch.setattr(local, "RECOVER_INTERVAL", 0.5)  # the 30 s look for dead workers, often
    window = make_window(qtbot)
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)
    panel = window.renders.history
    qtbot.waitUntil(lambda: panel.model.total == 5 and not panel.model.loading, timeout=WAIT_MS)
    qtbot.wait(1000)  # start-up is over (the queue's first recovery, the first reads)
    writes: list[str] = []

    @event.listens_for(hub.db.engine, "begin")
    def began(connection) -> None:
        if not connection.get_execution_options().get("vidgen_read_only"):
            writes.append(threading.current_thread().name)

    path = default_path()
    wal = path.with_name(path.name + "-wal")
    watcher = sqlite3.connect(path)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    sizes = (path.stat().st_size, wal.stat().st_size, wal.stat().st_mtime_ns)
    qtbot.wait(IDLE_MS)
    assert writes == []  # not even an empty BEGIN IMMEDIATE
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed
    assert (path.stat().st_size, wal.stat().st_size, wal.stat().st_mtime_ns) == sizes
    watcher.close()


@pytest.fixture(autouse=True)
def _no_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDGEN_DATABASE_URL", raising=False)
