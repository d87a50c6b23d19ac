"""The editor closes every connection it opened to the team database when it shuts down.

Against the real PostgreSQL: the test counts the server's own sessions on a
database of its own (``pg_stat_activity``), so a pool left open shows up as
a session that outlives the window.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import teamkit as kit
import uikit  # offscreen Qt before PySide6 loads
from vidgen_desktop import config
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import open_url
from vidgen_desktop.store.team import database as team_db

pytestmark = pytest.mark.postgres
home = uikit.home
SETTLE_MS = 15_000


def sessions(url: str) -> int:
    """How many sessions the server has open on ``url``'s database (this one's aside)."""
    name = sa.make_url(url).database
    engine = team_db.make_engine(kit.ADMIN, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def team(home, monkeypatch) -> Iterator[str]:
    with kit.database() as url:
        monkeypatch.setenv(config.DATABASE_URL_ENV, url)
        yield url


@pytest.mark.render  # the hub probes this machine's encoders as it opens
def test_closing_the_editor_ends_the_relays_team_connections(qtbot, team):
    from vidgen_desktop.ui.jobs.render_hub import RenderHub

    hub = RenderHub()
    hub._open()  # the job log, the embedded queue and the relay to the team database
    # something for the relay to send (a pending job waits: it may yet go to the farm)
    hub.db.jobs.create(kit.composition(), status=JobStatus.QUEUED)
    qtbot.waitUntil(lambda: sessions(team) > 0, timeout=SETTLE_MS)  # the relay is connected
    hub.shutdown()
    qtbot.waitUntil(lambda: sessions(team) == 0, timeout=SETTLE_MS)


def test_the_farm_progress_puller_closes_its_team_connection(qtbot, team, loop, home):
    from vidgen_desktop.store import open_local
    from vidgen_desktop.ui.jobs.team_feed import MirrorPull, TeamProgress

    with open_url(team_db.sqlalchemy_url(team)) as db:
        job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED, route="remote")
        db.jobs.transition(job.id, JobStatus.PROCESSING)
    assert sessions(team) == 0
    with open_local(home / "jobs.db") as local:
        local.jobs.create(kit.composition(), job_id=job.id, status=JobStatus.QUEUED,
                          route="remote")  # fmt: skip
        progress = TeamProgress(lambda: None, pull=MirrorPull(lambda: local), loop=loop)
        got: list[object] = []
        progress.job_event.connect(got.append)
        progress.refresh(uuid.UUID(str(job.id)))
        qtbot.waitUntil(lambda: bool(got), timeout=SETTLE_MS)
        assert got[0].status == "processing" and sessions(team) > 0  # pulled from the team's
        progress.shutdown()
        # the server ends a session a moment after the client closed it: wait, do not poll
        qtbot.waitUntil(lambda: sessions(team) == 0, timeout=SETTLE_MS)
