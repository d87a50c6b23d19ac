"""Fixtures shared by the job, queue and CLI tests (a module's own fixture of the same
name takes precedence)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator

import pytest

from tiers import _markers_stay_true, pytest_configure  # noqa: F401 - the markers stay true
from vidgen_desktop.store import open_local


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty VIDGEN_HOME (job log, settings, caches, renders) under the test's tmp_path."""
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def db(home):
    """The local job log in that home, migrated, closed afterwards."""
    database = open_local()
    yield database
    database.close()


@pytest.fixture(autouse=True)
def _no_background_calibration(monkeypatch):
    """An editor's first start calibrates in the background (queue.calibration): not in
    tests, whose machine is busy with other tests (tests of it turn it back on)."""
    monkeypatch.setenv("VIDGEN_BACKGROUND_CALIBRATION", "0")


@pytest.fixture(autouse=True)
def _previous_editor_closed():
    """An editor window closes in the background (ui.jobs.render_hub): let the last test's finish
    before this one opens a job log (Alembic's migration context is one per process)."""
    hub = sys.modules.get("vidgen_desktop.ui.jobs.render_hub")
    if hub is not None:
        hub.wait_all_closed()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An asyncio loop running in a thread of its own (feeds, the Realtime stand-in)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="feed-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
