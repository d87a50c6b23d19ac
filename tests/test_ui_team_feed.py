"""A farm job's row in the queue panel follows the team database, like a local render's row.

The feed is the real Supabase one against the stand-in Realtime server
(tests/realtime_server.py) on a Postgres database of the test's own; both run
on an asyncio loop in a thread of their own, so the adapter's events cross to
the GUI thread through Qt signals, as they must.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

import teamkit as kit
import uikit  # offscreen Qt before PySide6 loads
from realtime_server import RealtimeServer

from PySide6.QtCore import QObject, Signal  # isort: skip
from PySide6.QtWidgets import QMainWindow  # isort: skip

from vidgen_desktop import config
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.realtime.supabase_feed import Limits
from vidgen_desktop.store import Database, open_url
from vidgen_desktop.store.team import database as team_db
from vidgen_desktop.ui.jobs import team_feed
from vidgen_desktop.ui.jobs.qt_queue import C_ETA, C_STEP, QtQueuePanel
from vidgen_desktop.ui.shell.notify import Notifier

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
    is_ready = True

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def job(self, job_id: uuid.UUID, callback) -> None:
        callback(self.db.jobs.get(job_id), None)

    def queue_jobs(self, callback) -> None:
        callback(self.db.jobs.list(), None)


def test_a_farm_jobs_row_follows_the_team_database(qtbot, home, loop, monkeypatch) -> None:
    with kit.database() as url, open_url(team_db.sqlalchemy_url(url)) as db:
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
            progress = team_feed.install(hub, panel, settings=settings, loop=loop)
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
            panel.follow_timer.stop()  # the database goes away with the test
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


class SlowKeyring:
    """A stand-in for the OS keyring (a D-Bus service on Linux, not run in tests): it
    answers only when the test lets it, and records which thread asked."""

    priority = 1

    def __init__(self, password: str) -> None:
        self.password = password
        self.release = threading.Event()
        self.asked_on: list[str] = []

    def get_password(self, service: str, name: str) -> str | None:
        self.asked_on.append(threading.current_thread().name)
        self.release.wait(10)
        return self.password if name == "database_password" else None


def test_the_keyring_is_never_read_on_the_gui_thread_or_the_feed_loop(qtbot, home, monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class Backend(KeyringBackend):  # the keyring API, answered by SlowKeyring
        priority = 1

        def get_password(self, service, username):
            return slow.get_password(service, username)

        def set_password(self, service, username, password):
            raise NotImplementedError

        def delete_password(self, service, username):
            raise NotImplementedError

    slow = SlowKeyring("secret-pw")
    previous = keyring.get_keyring()
    keyring.set_keyring(Backend())
    monkeypatch.delenv(config.DATABASE_URL_ENV, raising=False)
    made: list[str] = []
    from vidgen_desktop.realtime import postgres

    class RecordingFeed(postgres.PostgresFeed):  # the real feed, its URL noted
        def __init__(self, url, *args, **kwargs):
            made.append(url)
            super().__init__(url, *args, **kwargs)

    monkeypatch.setattr(postgres, "PostgresFeed", RecordingFeed)
    asyncio_loop = asyncio.new_event_loop()  # the feed's loop, driven on the GUI thread
    try:
        with kit.database() as url, open_url(team_db.sqlalchemy_url(url)) as db:
            job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED, route="remote")
            settings = config.Settings()
            settings.backend.database_url = url  # no password in the settings: the keyring's
            hub = FakeHub(db)
            window = QMainWindow()
            qtbot.addWidget(window)
            panel = QtQueuePanel(hub, Notifier(window, use_tray=False))
            progress = team_feed.install(hub, panel, settings=settings, loop=asyncio_loop)
            hub.ready.emit()  # the farm job is to be watched while the keyring still thinks
            for _ in range(5):
                asyncio_loop.run_until_complete(asyncio.sleep(0.02))  # the loop runs its calls
            assert progress.feed is None and not made  # waiting, not asking on this thread
            assert progress.owns(job.id)
            slow.release.set()

            def started() -> bool:
                asyncio_loop.run_until_complete(asyncio.sleep(0.01))
                return job.id in progress.watched

            qtbot.waitUntil(started, timeout=10_000)
            assert made and "secret-pw" in made[0]  # the feed got the keyring's password
            assert slow.asked_on and "MainThread" not in slow.asked_on
            panel.follow_timer.stop()  # the database goes away with the test
            progress._closed = True
            asyncio_loop.run_until_complete(progress._close())
    finally:
        keyring.set_keyring(previous)
        asyncio_loop.close()
