"""A farm job's row in the queue panel follows the team database, like a local render's row.

The feed is the real Supabase one against the stand-in Realtime server
(tests/realtime_server.py) on a Postgres database of the test's own; both run
on an asyncio loop in a thread of their own, so the adapter's events cross to
the GUI thread through Qt signals, as they must.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

import test_remote_kit as kit
import uikit  # offscreen Qt before PySide6 loads
from realtime_server import RealtimeServer

from PySide6.QtCore import QObject, Signal  # isort: skip
from PySide6.QtWidgets import QMainWindow  # isort: skip

from vidgen_desktop import config
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.realtime.supabase_feed import Limits
from vidgen_desktop.store import Database, open_url, remote
from vidgen_desktop.ui import remote_feed
from vidgen_desktop.ui.notify import Notifier
from vidgen_desktop.ui.qt_queue import C_ETA, C_STEP, QtQueuePanel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings(r"ignore:ConnectionClosed\.(code|reason) is deprecated"),
]
ANON = "anon-key-for-ui-tests"
home = uikit.home  # the fixture: an isolated VIDGEN_HOME


class FakeHub(QObject):
    """What the panel and the adapter use of ``RenderHub``, over one job log."""

    job_event = Signal(object)
    ready = Signal()

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def job(self, job_id: uuid.UUID, callback) -> None:
        callback(self.db.jobs.get(job_id), None)

    def queue_jobs(self, callback) -> None:
        callback(self.db.jobs.list(), None)


def test_a_farm_jobs_row_follows_the_team_database(qtbot, home, loop, monkeypatch) -> None:
    with kit.database() as url, open_url(remote.sqlalchemy_url(url)) as db:
        job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED, route="remote")
        local = db.jobs.create(kit.composition("here"), status=JobStatus.QUEUED, route="local")
        server = RealtimeServer(url, ANON)
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        try:
            monkeypatch.setenv(config.SECRETS["supabase_anon_key"], ANON)
            monkeypatch.setenv(config.DATABASE_URL_ENV, url)
            settings = config.Settings()
            settings.backend.supabase_url = server.url
            _fast_feeds(monkeypatch)
            hub = FakeHub(db)
            window = QMainWindow()
            panel = QtQueuePanel(hub, Notifier(window, use_tray=False))
            qtbot.addWidget(window)
            progress = remote_feed.install(hub, panel, settings=settings, loop=loop)
            assert progress is not None
            hub.ready.emit()  # the panel loads its rows; the adapter picks the farm's
            qtbot.waitUntil(lambda: job.id in progress.watched, timeout=5000)
            assert local.id not in progress.watched
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "queued", timeout=5000)

            # a worker elsewhere writes to the team database
            db.jobs.transition(job.id, JobStatus.PROCESSING)
            step = db.timeline.start(job.id, "render")
            db.timeline.progress(step.id, 0.25)
            db.timeline.progress(step.id, 0.5)
            bar = panel.progress_bar(job.id)
            qtbot.waitUntil(lambda: bar.value() == 50, timeout=5000)
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "processing", timeout=5000)
            row = panel.rows[job.id]
            assert row.item.text(C_STEP) == "Rendering"
            qtbot.wait(100)  # time passes: the rate gives an ETA
            db.timeline.progress(step.id, 0.75)
            qtbot.waitUntil(lambda: bar.value() == 75, timeout=5000)
            assert row.item.text(C_ETA).startswith("~")  # from the rate seen, like a local row

            db.timeline.finish(step.id)
            db.jobs.transition(
                job.id, JobStatus.COMPLETED, output_url="https://files.example/out.mp4"
            )
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "completed", timeout=5000)
            qtbot.waitUntil(lambda: row.output_url is not None, timeout=5000)
            assert bar.value() == 100 and row.output_url == "https://files.example/out.mp4"
            qtbot.waitUntil(lambda: job.id not in progress.watched, timeout=5000)  # ended
            progress.shutdown()
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)


def _fast_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds made by the adapter use test-sized limits."""
    from vidgen_desktop.realtime import supabase_feed

    original = supabase_feed.SupabaseFeed.from_config.__func__

    def from_config(cls, settings=None, **kwargs):
        return original(cls, settings, limits=Limits(check_interval=0.05), **kwargs)

    monkeypatch.setattr(supabase_feed.SupabaseFeed, "from_config", classmethod(from_config))
