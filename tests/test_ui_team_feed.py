"""A farm job on the laptop: the team database owns it, both job panels read the local mirror.

A feed event only triggers a mirror pull of that job into the local job log
(a real SQLite file); the Render Queue and the Job History read that log.

The feed is the real Supabase one against the stand-in Realtime server
(tests/realtime_server.py) on a Postgres database of the test's own; both run
on an asyncio loop in a thread of their own, so the adapter's events cross to
the GUI thread through Qt signals, as they must.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

import teamkit as kit
import uikit  # offscreen Qt before PySide6 loads
from realtime_server import RealtimeServer

from PySide6.QtCore import QObject, Signal  # isort: skip
from PySide6.QtWidgets import QMainWindow  # isort: skip

from vidgen_desktop import config
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.realtime.supabase_feed import Limits
from vidgen_desktop.store import Database, open_local, open_url
from vidgen_desktop.store.team import database as team_db
from vidgen_desktop.ui.jobs import team_feed
from vidgen_desktop.ui.jobs.qt_history import QtHistoryPanel
from vidgen_desktop.ui.jobs.qt_queue import C_ETA, C_STEP, QtQueuePanel
from vidgen_desktop.ui.shell.notify import Notifier

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings(r"ignore:ConnectionClosed\.(code|reason) is deprecated"),
]
ANON = "anon-key-for-ui-tests"
home = uikit.home  # the fixture: an isolated VIDGEN_HOME


class FakeHub(QObject):
    """What the panels and the adapter use of ``RenderHub``, over the laptop's own job log."""

    job_event = Signal(object)
    ready = Signal()
    open_failed = Signal(str)
    is_ready = True

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def job(self, job_id: uuid.UUID, callback) -> None:
        callback(self.db.jobs.get(job_id), None)

    def queue_jobs(self, callback) -> None:
        callback(self.db.jobs.list(), None)

    def call(self, fn, callback, *, render: bool = False) -> None:
        callback(fn(SimpleNamespace(store=self.db)), None)


def farm_job(team: Database, local: Database, name: str = "promo"):
    """A job the desktop sent to the farm: on the team database, and its row in the local log."""
    job = team.jobs.create(kit.composition(name), status=JobStatus.QUEUED, route="remote")
    local.jobs.create(kit.composition(name), job_id=job.id, status=JobStatus.QUEUED,
                      route="remote")  # fmt: skip
    return job


def history_row(history: QtHistoryPanel, job_id: uuid.UUID):
    return next((j for j in history.model.rows if j.id == job_id), None)


def test_a_farm_jobs_row_follows_the_team_database(qtbot, home, loop, monkeypatch) -> None:
    """Both panels read the local log; a feed event pulls the farm job into it at once."""
    with (
        kit.database() as url, open_url(team_db.sqlalchemy_url(url)) as team,
        open_local(home / "jobs.db") as db,
    ):  # fmt: skip
        job = farm_job(team, db)
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
            history = QtHistoryPanel(hub)
            qtbot.addWidget(window)
            progress = team_feed.install(hub, settings=settings, loop=loop)
            assert progress is not None
            hub.ready.emit()  # the panels load their rows; the adapter picks the farm's
            qtbot.waitUntil(lambda: job.id in progress.watched, timeout=5000)
            assert local.id not in progress.watched
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "queued", timeout=5000)

            def agree(status: str, percent: int) -> bool:
                """Both panels show the job in ``status`` at ``percent`` (a finished job: full)."""
                mine = history_row(history, job.id)
                if mine is None or str(mine.status) != status:
                    return False
                done = 100 if status == "completed" else round((mine.progress or 0) * 100)
                bar = panel.progress_bar(job.id)
                return panel.status_of(job.id) == status and bar.value() == done == percent

            # a worker elsewhere writes to the team database; only the mirror writes ours
            team.jobs.transition(job.id, JobStatus.PROCESSING)
            step = team.timeline.start(job.id, "render")
            team.timeline.progress(step.id, 0.25, job_id=job.id)  # as the worker does
            team.timeline.progress(step.id, 0.5, job_id=job.id)  # as the worker does
            bar = panel.progress_bar(job.id)
            qtbot.waitUntil(lambda: bar.value() == 50, timeout=5000)
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "processing", timeout=5000)
            assert db.jobs.get(job.id).progress == 0.5  # what the panel shows is the local log's
            row = panel.rows[job.id]
            assert row.item.text(C_STEP) == "Rendering"
            qtbot.waitUntil(lambda: agree("processing", 50), timeout=5000)  # both panels
            qtbot.wait(100)  # time passes: the rate gives an ETA
            team.timeline.progress(step.id, 0.75, job_id=job.id)  # as the worker does
            qtbot.waitUntil(lambda: bar.value() == 75, timeout=5000)
            assert row.item.text(C_ETA).startswith("~")  # from the rate seen, like a local row
            qtbot.waitUntil(lambda: agree("processing", 75), timeout=5000)  # progress alone

            team.timeline.finish(step.id)
            team.jobs.transition(
                job.id, JobStatus.COMPLETED, output_url="https://files.example/out.mp4"
            )
            qtbot.waitUntil(lambda: panel.status_of(job.id) == "completed", timeout=5000)
            qtbot.waitUntil(lambda: row.output_url is not None, timeout=5000)
            assert bar.value() == 100 and row.output_url == "https://files.example/out.mp4"
            qtbot.waitUntil(lambda: agree("completed", 100), timeout=5000)
            assert db.jobs.get(job.id).output_url == "https://files.example/out.mp4"
            qtbot.waitUntil(lambda: job.id not in progress.watched, timeout=5000)  # ended
            panel.follow_timer.stop()  # the database goes away with the test
            history.shutdown()
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
        with (
            kit.database() as url, open_url(team_db.sqlalchemy_url(url)) as team,
            open_local(Path(home) / "jobs.db") as db,
        ):  # fmt: skip
            job = farm_job(team, db)
            settings = config.Settings()
            settings.backend.database_url = url  # no password in the settings: the keyring's
            hub = FakeHub(db)
            window = QMainWindow()
            qtbot.addWidget(window)
            panel = QtQueuePanel(hub, Notifier(window, use_tray=False))
            progress = team_feed.install(hub, settings=settings, loop=asyncio_loop)
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
            progress._reads.shutdown()
    finally:
        keyring.set_keyring(previous)
        asyncio_loop.close()
