"""The LISTEN/NOTIFY progress feed against the real PostgreSQL: live, missed, and given up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest

import teamkit as kit
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.realtime import ChangeEvent, FeedState, FeedUnavailable
from vidgen_desktop.realtime.postgres import PostgresFeed
from vidgen_desktop.store import Database, open_url
from vidgen_desktop.store.team import database as team_db

pytestmark = pytest.mark.postgres
FAST = {"backoff": (0.05, 0.2), "poll": 0.05}


@pytest.fixture
def pg_url() -> Iterator[str]:
    with kit.database() as url:
        yield url


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    with open_url(team_db.sqlalchemy_url(pg_url)) as database:
        yield database


async def _next(subscription, timeout: float = 5.0) -> ChangeEvent:
    return await asyncio.wait_for(anext(subscription), timeout)


async def _until(subscription, predicate, timeout: float = 5.0) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    async with asyncio.timeout(timeout):
        while not seen or not predicate(seen[-1]):
            seen.append(await anext(subscription))
    return seen


async def _in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def test_a_job_subscription_starts_with_its_rows_then_follows_live(
    db: Database, pg_url: str
) -> None:
    job = db.jobs.create(kit.composition())
    other = db.jobs.create(kit.composition("other"))

    async def scenario() -> list[ChangeEvent]:
        async with PostgresFeed(pg_url, **FAST) as feed:
            subscription = feed.subscribe(job.id)
            first = await _next(subscription)
            assert first.replayed and first.op == "SNAPSHOT" and first.status == "pending"
            assert feed.state is FeedState.LIVE
            await _in_thread(db.jobs.update_progress, other.id, 0.5)  # not this job's
            await _in_thread(db.jobs.transition, job.id, JobStatus.PROCESSING)
            step = await _in_thread(db.timeline.start, job.id, "render")
            await _in_thread(db.timeline.progress, step.id, 0.5)
            return await _until(subscription, lambda e: e.progress == 0.5)

    events = asyncio.run(scenario())
    assert {e.job_id for e in events} == {job.id}
    assert [(e.table, e.op, e.status, e.step) for e in events] == [
        ("jobs", "UPDATE", "processing", None),
        ("processing_timeline", "INSERT", "running", "render"),
        ("jobs", "UPDATE", "processing", "render"),
        ("processing_timeline", "UPDATE", "running", "render"),
    ]


def test_what_happened_while_the_connection_was_down_is_read_again(
    db: Database, pg_url: str
) -> None:
    job = db.jobs.create(kit.composition())

    async def scenario() -> tuple[list[ChangeEvent], list[ChangeEvent], list[FeedState]]:
        # A second before it reconnects: the changes below happen while it is away.
        async with PostgresFeed(pg_url, backoff=(1.0, 1.0), poll=0.05) as feed:
            states: list[FeedState] = []
            feed.on_state(states.append)
            one, everything = feed.subscribe(job.id), feed.subscribe()
            await _next(one)  # the snapshot: the feed is live
            await _in_thread(db.jobs.transition, job.id, JobStatus.QUEUED)
            assert (await _next(everything)).status == "queued"
            # Cut the feed off, and change the job before it is back.
            kit.execute(f"SELECT pg_terminate_backend({feed.backend_pid})", pg_url)
            await _in_thread(db.jobs.transition, job.id, JobStatus.PROCESSING)
            step = await _in_thread(db.timeline.start, job.id, "render")
            await _in_thread(db.timeline.progress, step.id, 0.75)
            done = lambda e: e.table == "processing_timeline" and e.progress == 0.75  # noqa: E731
            mine = await _until(one, done)
            all_jobs = await _until(everything, done)
            assert feed.connections >= 2 and feed.state is FeedState.LIVE
            return mine, all_jobs, states

    mine, all_jobs, states = asyncio.run(scenario())
    assert states == [FeedState.LIVE, FeedState.RECONNECTING, FeedState.LIVE, FeedState.CLOSED]
    for events in (mine, all_jobs):
        latest = {(e.table, e.id): e for e in events}
        assert {(t, e.status, e.progress) for (t, _), e in latest.items()} >= {
            ("jobs", "processing", 0.0),
            ("processing_timeline", "running", 0.75),
        }
        assert all(e.job_id == job.id for e in events)
        # Only 'queued' came live (to `one`, before the cut); the rest was re-read.
        assert all(e.replayed for e in events if e.status != "queued")


def test_the_feed_gives_up_after_failures_in_a_row_and_says_so() -> None:
    async def scenario() -> tuple[PostgresFeed, BaseException]:
        feed = PostgresFeed("postgresql://postgres@127.0.0.1:1/nowhere", max_failures=3, **FAST)
        subscription = feed.subscribe()
        with pytest.raises(FeedUnavailable) as caught:
            await asyncio.wait_for(anext(subscription), 10)
        late = feed.subscribe()  # a subscription after giving up ends at once
        with pytest.raises(FeedUnavailable):
            await _next(late)
        await feed.close()
        return feed, caught.value

    feed, error = asyncio.run(scenario())
    assert feed.failures == 3 and "could not be reached" in str(error)
    assert "127.0.0.1:1" in (feed.error or "")


def test_a_notification_that_is_not_ours_is_ignored(db: Database, pg_url: str) -> None:
    job = db.jobs.create(kit.composition())

    async def scenario() -> ChangeEvent:
        async with PostgresFeed(pg_url, **FAST) as feed:
            subscription = feed.subscribe()
            await asyncio.sleep(0.3)
            with psycopg.connect(pg_url, autocommit=True) as connection:
                connection.execute("NOTIFY vidgen_events, 'not json'")
            await _in_thread(db.jobs.update_progress, job.id, 0.3)
            return await _next(subscription)

    assert asyncio.run(scenario()).progress == 0.3
