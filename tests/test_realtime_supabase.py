"""The Supabase Realtime feed against a stand-in server (tests/realtime_server.py) on real Postgres.

The supabase client is the real one; the server speaks its Phoenix protocol
and is fed by the NOTIFY triggers of the team schema (revision 0005), in a
database of each test's own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
import pytest

import teamkit as kit
from realtime_server import RealtimeServer
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.realtime import ChangeEvent, FeedState, FeedUnavailable
from vidgen_desktop.realtime.supabase_feed import Limits, SupabaseFeed
from vidgen_desktop.store import Database, open_url
from vidgen_desktop.store.team import database as team_db

pytestmark = [
    pytest.mark.postgres,
    # realtime 2.x reads ConnectionClosed.code/.reason, deprecated in websockets 13.1
    pytest.mark.filterwarnings(r"ignore:ConnectionClosed\.(code|reason) is deprecated"),
]
ANON = "anon-key-for-tests"
TOKEN = "designer-session-jwt-for-tests"
FAST = Limits(
    client_retries=3,
    client_backoff=0.05,
    join_timeout=3.0,
    max_failures=4,
    backoff=0.05,
    backoff_max=0.2,
    check_interval=0.05,
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with kit.database() as url:
        yield url


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    with open_url(team_db.sqlalchemy_url(pg_url)) as database:
        yield database


class DbRows:
    """A ``RowSource`` reading the database directly (the callback a caller may give)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.calls: list[tuple[uuid.UUID | None, int | None]] = []

    async def rows(self, job_id, since) -> Sequence[tuple[str, dict[str, Any]]]:
        self.calls.append((job_id, since))
        found = []
        async with await psycopg.AsyncConnection.connect(self.url) as connection:
            for table, column in (("jobs", "id"), ("processing_timeline", "job_id")):
                cursor = await connection.execute(
                    f"SELECT row_to_json(t) FROM {table} t WHERE {column} = %s"
                    " AND (%s::bigint IS NULL OR change_seq > %s) ORDER BY change_seq",
                    (job_id, since, since),
                )
                found += [(table, row[0]) for row in await cursor.fetchall()]
        return found

    async def last_seq(self) -> int:
        async with await psycopg.AsyncConnection.connect(self.url) as connection:
            cursor = await connection.execute("SELECT last_value FROM vidgen_change_seq")
            return int((await cursor.fetchone())[0])


class Collector:
    def __init__(self) -> None:
        self.events: list[ChangeEvent] = []

    def __call__(self, event: ChangeEvent) -> None:
        self.events.append(event)

    async def until(self, predicate: Callable[[ChangeEvent], bool], timeout: float = 10.0):
        async with asyncio.timeout(timeout):
            while not any(predicate(e) for e in self.events):
                await asyncio.sleep(0.01)

    def steps(self) -> list[tuple[str, float]]:
        return [(e.status, e.progress) for e in self.events if e.table == "processing_timeline"]


async def _in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def test_a_jobs_timeline_arrives_in_order_and_secrets_stay_out_of_the_log(
    db: Database, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vidgen_desktop")
    job = db.jobs.create(kit.composition())

    async def scenario() -> tuple[Collector, RealtimeServer]:
        async with RealtimeServer(pg_url, ANON) as server:
            feed = SupabaseFeed(server.url, ANON, TOKEN, limits=FAST)
            got = Collector()
            feed.on_event(got, job.id)
            await got.until(lambda e: e.op == "SNAPSHOT" and e.table == "jobs")  # rows now
            assert feed.state is FeedState.LIVE
            await _in_thread(db.jobs.transition, job.id, JobStatus.QUEUED)
            await _in_thread(db.jobs.transition, job.id, JobStatus.PROCESSING)
            step = await _in_thread(db.timeline.start, job.id, "render")
            for progress in (0.2, 0.4, 0.6, 0.8):
                await _in_thread(db.timeline.progress, step.id, progress)
            await _in_thread(db.timeline.finish, step.id)
            await _in_thread(db.jobs.transition, job.id, JobStatus.COMPLETED)
            await got.until(lambda e: e.table == "jobs" and e.status == "completed")
            await feed.close()
            return got, server

    got, server = asyncio.run(scenario())
    assert {e.job_id for e in got.events} == {job.id}
    steps = got.steps()
    assert steps[-1] == ("completed", 1.0)
    assert [p for _, p in steps] == sorted(p for _, p in steps)  # in order, never back
    statuses = [e.status for e in got.events if e.table == "jobs"]
    assert statuses[0] == "pending" and statuses[-1] == "completed"
    assert statuses.index("queued") < statuses.index("processing") < statuses.index("completed")
    assert server.access_tokens == [TOKEN]  # the designer's JWT went with the join
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vidgen"))
    assert ANON not in ours and TOKEN not in ours
    assert ANON not in repr(SupabaseFeed("http://x", ANON, TOKEN))


def test_a_filter_for_one_job_delivers_nothing_of_another(db: Database, pg_url: str) -> None:
    mine = db.jobs.create(kit.composition("mine"))
    other = db.jobs.create(kit.composition("other"))

    async def scenario() -> Collector:
        async with (
            RealtimeServer(pg_url, ANON) as server,
            SupabaseFeed(server.url, ANON, limits=FAST) as feed,
        ):
            got = Collector()
            feed.on_event(got, mine.id)
            await got.until(lambda e: e.op == "SNAPSHOT")
            theirs = await _in_thread(db.timeline.start, other.id, "render")
            await _in_thread(db.timeline.progress, theirs.id, 0.5)
            await _in_thread(db.jobs.transition, other.id, JobStatus.QUEUED)
            await _in_thread(db.jobs.transition, mine.id, JobStatus.QUEUED)
            await got.until(lambda e: e.status == "queued")
            await asyncio.sleep(0.2)  # anything of the other job would be here by now
            return got

    got = asyncio.run(scenario())
    assert {e.job_id for e in got.events} == {mine.id}


def test_after_a_dropped_connection_it_resubscribes_and_rereads_what_changed(
    db: Database, pg_url: str
) -> None:
    job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED)
    source = DbRows(pg_url)

    async def scenario() -> tuple[Collector, SupabaseFeed, RealtimeServer]:
        async with RealtimeServer(pg_url, ANON) as server:
            # the client's own reconnects must outlast the writes made while it is refused,
            # which take seconds on a loaded machine (FAST's three quick ones do not)
            patient = dataclasses.replace(FAST, client_retries=8, client_backoff=0.1)
            feed = SupabaseFeed(server.url, ANON, rows=source, limits=patient)
            got = Collector()
            feed.on_event(got, job.id)
            await got.until(lambda e: e.status == "queued")
            first = await _in_thread(db.timeline.start, job.id, "probe")
            await got.until(lambda e: e.step == "probe")
            server.refuse = True  # nobody gets back in until the writes below are done
            assert await server.drop_connections() == 1
            await _in_thread(db.timeline.finish, first.id)
            await _in_thread(db.jobs.transition, job.id, JobStatus.PROCESSING)
            render = await _in_thread(db.timeline.start, job.id, "render")
            await _in_thread(db.timeline.progress, render.id, 0.7)
            await _until(lambda: server.handshakes_refused >= 1)
            server.refuse = False
            await got.until(lambda e: e.step == "render" and e.progress == 0.7)
            await _in_thread(db.timeline.progress, render.id, 0.9)  # and live again
            await got.until(lambda e: e.progress == 0.9)
            await feed.close()
            return got, feed, server

    got, feed, server = asyncio.run(scenario())
    assert feed.clients_made == 1  # the client reconnected by itself
    assert server.joins == 2
    missed = [e for e in got.events if e.replayed and e.op == "SNAPSHOT"]
    assert ("processing_timeline", "completed", "probe") in {
        (e.table, e.status, e.step) for e in missed
    }
    assert ("jobs", "processing") in {(e.table, e.status) for e in missed}
    assert any(e.step == "render" and e.progress == 0.7 for e in missed)
    # the re-read asked only for what came after the last change seen
    (_, since) = source.calls[-1]
    assert since is not None and since > 0


def test_the_supervisor_recreates_a_client_that_gave_up_then_gives_up_itself(
    db: Database, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vidgen_desktop")
    job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED)

    async def scenario() -> tuple[Collector, SupabaseFeed, list[FeedState], BaseException]:
        async with RealtimeServer(pg_url, ANON) as server:
            feed = SupabaseFeed(server.url, ANON, TOKEN, limits=FAST)
            states: list[FeedState] = []
            feed.on_state(states.append)
            got = Collector()
            subscription = feed.subscribe(job.id)
            feed.on_event(got, job.id)
            await got.until(lambda e: e.status == "queued")
            # the client's own retries all fail: only a new client can get back in
            server.refuse = True
            await server.drop_connections()
            await _until(lambda: feed.clients_made >= 2)
            await _in_thread(db.jobs.transition, job.id, JobStatus.PROCESSING)
            server.refuse = False
            await got.until(lambda e: e.status == "processing")
            assert feed.state is FeedState.LIVE and feed.failures == 0
            # now nothing answers at all, for good
            server.refuse = True
            await server.drop_connections()
            await _until(lambda: feed.state is FeedState.FAILED)
            with pytest.raises(FeedUnavailable) as ended:
                await asyncio.wait_for(_drain(subscription), 5)
            await feed.close()
            return got, feed, states, ended.value

    got, feed, states, error = asyncio.run(scenario())
    assert states[0] is FeedState.LIVE and FeedState.RECONNECTING in states
    assert states[-2:] == [FeedState.FAILED, FeedState.CLOSED]
    assert feed.clients_made >= 2 + FAST.max_failures - 1
    assert feed.error is not None and feed.error.startswith("live progress unavailable")
    assert "live progress" in str(error)
    assert any(e.replayed and e.status == "processing" for e in got.events)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("vidgen")]
    assert any("failure 1 of" in m for m in ours)  # the supervisor says what it does…
    assert not [m for m in ours if ANON in m or TOKEN in m]  # …and never with a secret


async def _drain(subscription) -> None:
    async for _ in subscription:
        pass


def test_a_second_subscriber_and_an_every_job_subscriber(db: Database, pg_url: str) -> None:
    job = db.jobs.create(kit.composition(), status=JobStatus.QUEUED)
    other = db.jobs.create(kit.composition("other"))

    async def scenario() -> tuple[Collector, Collector]:
        async with (
            RealtimeServer(pg_url, ANON) as server,
            SupabaseFeed(server.url, ANON, limits=FAST) as feed,
        ):
            first, everyone = Collector(), Collector()
            feed.on_event(first, job.id)
            await first.until(lambda e: e.status == "queued")
            feed.on_event(everyone)
            second = Collector()
            feed.on_event(second, job.id)  # joins a live channel: gets the rows now
            await second.until(lambda e: e.status == "queued")
            await server.wait_for_joins(2)
            await _until(lambda: feed.state is FeedState.LIVE)
            await asyncio.sleep(0.2)  # the every-job channel notes where "now" is
            await _in_thread(db.jobs.transition, other.id, JobStatus.QUEUED)
            await everyone.until(lambda e: e.job_id == other.id)
            return second, everyone

    second, everyone = asyncio.run(scenario())
    assert second.events[0].replayed and second.events[0].job_id == job.id
    assert [e.job_id for e in everyone.events] == [other.id]  # from now on, every job
