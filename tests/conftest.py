"""Fixtures shared by the job, queue and CLI tests (a module's own fixture of the same
name takes precedence)."""

from __future__ import annotations

import pytest

import tiers
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


def pytest_configure(config):
    tiers.install()


@pytest.fixture(autouse=True)
def _markers_stay_true(request):
    """A test that runs FFmpeg, PostgreSQL or the S3 stand-in must say so (tests/tiers.py)."""
    tiers.start(request.node)
    yield
    tiers.check(request.node)
