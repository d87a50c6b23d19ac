"""Fixtures shared by the job, queue and CLI tests (a module's own fixture of the same
name takes precedence)."""

from __future__ import annotations

import sys

import pytest

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
def _previous_editor_closed():
    """An editor window closes in the background (ui.render_hub): let the last test's finish
    before this one opens a job log (Alembic's migration context is one per process)."""
    hub = sys.modules.get("vidgen_desktop.ui.render_hub")
    if hub is not None:
        hub.wait_all_closed()
