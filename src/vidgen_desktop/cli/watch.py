"""``vidgen jobs watch [JOB…]``: live step, progress, ETA and a bar, until the jobs end.

The same progress feed the editor uses: a local render (in this process's
queue, ``vidgen queue run`` or the editor) writes its progress to the job log
a few times a second; a farm job's changes arrive on the team's progress feed
(Supabase Realtime, else LISTEN/NOTIFY: ``realtime.choose``), each one only a
cue to pull that job by id into the local log (``store.team.mirror``), with a
pull every ``SAFETY_PULL`` seconds for an event the feed missed. Every view
then reads the local log.

On a terminal the lines are redrawn in place; otherwise one line is printed
per change (a new status or step, or a whole percent more). The exit status
is the jobs' own: 0 when every one completed, 1 when one failed, 2 when one
was cancelled (and none failed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from typing import Any, TextIO

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.states import TERMINAL, JobStatus

POLL = 0.25  # seconds between reads of the local log
SAFETY_PULL = 2.0  # seconds between pulls of a farm job the feed said nothing about
BAR = 24  # characters of the progress bar
EXIT = {JobStatus.COMPLETED: 0, JobStatus.FAILED: 1, JobStatus.CANCELLED: 2}


def exit_status(statuses: list[JobStatus]) -> int:
    """0 when every job completed; 1 when one failed; else 2 when one was cancelled."""
    for status in (JobStatus.FAILED, JobStatus.CANCELLED):
        if status in statuses:
            return EXIT[status]
    return 0


def bar(fraction: float, width: int = BAR) -> str:
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class Rates:
    """ETA from the rate seen since a step was first seen at its progress."""

    def __init__(self) -> None:
        self._first: dict[tuple[uuid.UUID, str], tuple[float, float]] = {}

    def eta(self, job_id: uuid.UUID, step: str, progress: float) -> float | None:
        now = time.monotonic()
        started, at_start = self._first.setdefault((job_id, step), (now, progress))
        if progress <= at_start or now <= started:
            return None
        return (1.0 - progress) * (now - started) / (progress - at_start)


def line(job: Any, eta: float | None) -> str:
    status = str(job.status)
    short = job.id.hex[:8]
    if status == "processing":
        step = job.current_step or "starting"
        left = f" ETA {eta:.0f}s" if eta is not None else ""
        done = f"{job.progress * 100:5.1f}%"
        return f"{short} {status:<10} {step:<16} {done} {bar(job.progress)}{left}"
    extra = ""
    if status == "completed":
        extra = f" {job.output_path or job.output_url or ''}"
    elif status in ("failed", "cancelled") and job.error_message:
        extra = f" {job.error_message.splitlines()[0]}"
    return f"{short} {status:<10}{extra}".rstrip()


class Watch:
    def __init__(self, db: Any, jobs: list[Any], out: TextIO, tty: bool) -> None:
        self.db, self.out, self.tty = db, out, tty
        self.ids = [job.id for job in jobs]
        team = bool(config.database_url())
        self.farm = {job.id for job in jobs if job.route == "remote"} if team else set()
        self.rates = Rates()
        self.shown: dict[uuid.UUID, tuple[Any, ...]] = {}
        self.cued: set[uuid.UUID] = set(self.farm)  # pull these now
        self.pulled: dict[uuid.UUID, float] = {}
        self.remote: Any = None
        self.drawn = 0  # lines drawn in place (terminal)
        self.printed: dict[uuid.UUID, tuple[Any, ...]] = {}  # what each job's last line said

    def _pull(self, job_id: uuid.UUID) -> None:
        from vidgen_desktop.queue import farm, farm_outputs
        from vidgen_desktop.store.team import mirror

        if self.remote is None:
            self.remote = farm.open_team()
        mirror.pull_job(self.db, self.remote, job_id)
        farm_outputs.fetch_output(self.db, self.db.jobs.get(job_id))

    async def run(self) -> int:
        feed, stops = None, []
        if self.farm:
            from vidgen_desktop.realtime.choose import feed_maker

            maker = await asyncio.to_thread(feed_maker)  # the keyring may block
            feed = maker()
            stops = [feed.on_event(lambda change: self.cued.add(change.job_id), job_id)
                     for job_id in self.farm]  # fmt: skip
        try:
            while True:
                now = time.monotonic()
                for job_id in self.farm:
                    if job_id in self.cued or now - self.pulled.get(job_id, 0) >= SAFETY_PULL:
                        self.cued.discard(job_id)
                        self.pulled[job_id] = now
                        try:
                            await asyncio.to_thread(self._pull, job_id)
                        except VidgenError as exc:  # the feed or the next pull tries again
                            print(f"vidgen: {job_id.hex[:8]} not pulled now: {exc}",
                                  file=sys.stderr)  # fmt: skip
                jobs = [self.db.jobs.get(job_id) for job_id in self.ids]
                self.show(jobs)
                if all(job.status in TERMINAL for job in jobs):
                    return exit_status([job.status for job in jobs])
                await asyncio.sleep(POLL)
        finally:
            for stop in stops:
                stop()
            if feed is not None:
                await feed.close()
            if self.remote is not None:
                self.remote.close()

    def show(self, jobs: list[Any]) -> None:
        lines = []
        for job in jobs:
            status, step = str(job.status), job.current_step or ""
            eta = self.rates.eta(job.id, step, job.progress) if status == "processing" else None
            lines.append((job.id, (status, step, int(job.progress * 100)), line(job, eta)))
        if self.tty:
            if self.drawn:
                self.out.write(f"\x1b[{self.drawn}F")
            for _, _, text in lines:
                self.out.write(f"\x1b[2K{text}\n")
            self.drawn = len(lines)
            self.out.flush()
            return
        for job_id, key, text in lines:  # one line per change
            if self.printed.get(job_id) != key:
                self.printed[job_id] = key
                print(text, file=self.out, flush=True)


def cmd_jobs_watch(args: argparse.Namespace) -> int:
    from vidgen_desktop import store
    from vidgen_desktop.cli.team import find
    from vidgen_desktop.store import JobQuery

    db = store.open_local()
    if args.ids:
        jobs = [find(db, text) for text in args.ids]
    else:
        open_states = [str(s) for s in JobStatus if s not in TERMINAL]
        listed = db.jobs.list(JobQuery(statuses=tuple(open_states), limit=50))
        jobs = [find(db, str(job.id)) for job in listed]
        if not jobs:
            raise VidgenError("no job is waiting or running: name one (vidgen jobs watch JOB)")
    watch = Watch(db, jobs, sys.stdout, sys.stdout.isatty())
    try:
        return asyncio.run(watch.run())
    except KeyboardInterrupt:
        return 130


def register(jobs: argparse._SubParsersAction) -> None:
    p = jobs.add_parser("watch", help="live progress of jobs until they end (exit: their status)")
    p.add_argument("ids", nargs="*", metavar="JOB", help="job ids (default: every open job)")
    p.set_defaults(handler=cmd_jobs_watch)
