"""Local job log → team database, through the outbox.

>>> relay = Relay(store.open_local(), config.database_url())
>>> relay.run_once()          # one batch; TeamUnavailable if the team database is away
>>> relay.run_forever(stop)   # in a thread: send as changes come, back off while it is down

What goes out: SQLite triggers (revision 0005) put a JSON snapshot of every
inserted, updated or deleted row of ``jobs``, ``elements``,
``processing_timeline``, ``storage_operations`` and ``url_access_logs`` into
``vidgen_outbox``, in the same transaction as the change. Nothing is lost
when the laptop is offline for days: the rows wait there.

How it arrives: in ``seq`` order, in one remote transaction per batch, as
upserts (``INSERT … ON CONFLICT DO UPDATE … WHERE <guard>``); only after the
remote commit are the rows deleted locally, and only if they were not
coalesced meanwhile (their ``rev`` is unchanged). A batch sent again after a
lost acknowledgement changes nothing, because the guard only lets a row
through when it differs from what the remote has and is not older:

- a job: ``updated_at`` not older than the remote's, and the status change
  legal by ``jobs.states`` (so the remote's transition trigger never trips;
  a stale status is skipped, not forced);
- a timeline step: never reopened, its progress never going back;
- storage operations and link logs: written once (``DO NOTHING``);
- an element: keyed by (job_id, element_id), as its integer id is local.

Without a team backend nobody drains the outbox, so it is discarded
(``discard_outbox``, at queue start-up); when a backend is set up, the
relay's first run re-queues every row once (``reseed``, with the same SQL
the migration used), so the whole history still arrives.

A row the team database refuses for good (a constraint, say) is parked with
its error in ``vidgen_outbox.error`` so the rest keeps flowing;
``status().parked`` counts them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.store import migrate, schema
from vidgen_desktop.store.database import Database, open_local
from vidgen_desktop.store.errors import StoreError
from vidgen_desktop.store.team import database as team_db
from vidgen_desktop.store.team import upserts
from vidgen_desktop.store.team.outbox import SEEDED_METRIC, backlog, disown, reseed

log = logging.getLogger(__name__)

BATCH = 500  # outbox rows per remote transaction
IDLE = 1.0  # seconds between looks at an empty outbox
BACKOFF_FIRST = 1.0  # seconds after the first failure; doubled each time…
BACKOFF_MAX = 300.0  # …up to this: a laptop offline for days retries every 5 minutes


class TeamUnavailable(StoreError):
    """The team database cannot be reached (or is not ready); the changes wait locally."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class RelayStatus:
    pending: int  # rows waiting to be sent
    parked: int  # rows the team database refused, kept with their error
    sent: int  # rows sent since this relay started
    failures: int  # consecutive failed attempts (0: the last one worked)
    last_error: str | None
    next_attempt: float | None  # time.monotonic() of the next try after a failure


class Relay:
    """Sends the local outbox to the team database (see the module docstring)."""

    def __init__(
        self,
        local: Database | Path | str,
        remote_url: str | sa.URL,
        *,
        batch: int = BATCH,
        owner_id: uuid.UUID | str | None = None,
        team_id: str | None = None,
        after_pull: Any = None,
    ) -> None:
        """``owner_id`` / ``team_id``: stamped on jobs that carry none (who may read them).

        ``after_pull``: called (no arguments) after each pull of ``run_forever``,
        in the relay's thread: the desktop downloads finished farm outputs there.
        """
        self.after_pull = after_pull
        self._own_local = not isinstance(local, Database)
        self.local = local if isinstance(local, Database) else open_local(local)
        self.remote_url = team_db.sqlalchemy_url(remote_url)
        self.batch = batch
        self.owner_id = uuid.UUID(str(owner_id)) if owner_id else None
        self.team_id = team_id
        self._engine: sa.Engine | None = None
        self._remote_db: Database | None = None
        self._seeded = False
        self._sent = 0
        self._failures = 0
        self._last_error: str | None = None
        self._next_attempt: float | None = None

    # Public -----------------------------------------------------------------

    def run_once(self) -> int:
        """Send the oldest batch; return how many rows went (0: the outbox is empty).

        Raises TeamUnavailable when the team database cannot take them now.
        """
        self._seed_once()
        changes = self._read()
        if not changes:
            return 0
        waiting = self._unrouted(changes)
        if waiting:  # not routed yet: they wait in the outbox (farm jobs never come out)
            changes = [c for c in changes if c not in waiting]
            if not changes:
                return 0
        try:
            refused = self._send(changes)
        except TeamUnavailable as exc:
            self._failed(exc)
            raise
        self._forget([c for c in changes if c.seq not in refused])
        if refused:
            self._park(changes, refused)
        self._failures, self._last_error, self._next_attempt = 0, None, None
        self._sent += len(changes) - len(refused)
        return len(changes)

    def pull(self) -> int:
        """Mirror farm jobs' progress from the team database (``store.team.mirror``)."""
        from vidgen_desktop.store.team import mirror

        if self._remote_db is None:
            self._remote_db = Database(self._remote(), migrate_now=False)
        try:
            return mirror.pull(self.local, self._remote_db)
        except sa.exc.DBAPIError as exc:
            if _transient(exc):
                raise TeamUnavailable(str(exc).splitlines()[0]) from exc
            raise

    def drain(self) -> int:
        """Send batches until the outbox is empty; return how many rows went."""
        total = 0
        while sent := self.run_once():
            total += sent
        return total

    def run_forever(
        self, stop: threading.Event | None = None, *, idle: float = IDLE,
        backoff: tuple[float, float] = (BACKOFF_FIRST, BACKOFF_MAX),
    ) -> None:  # fmt: skip
        """Keep sending until ``stop`` is set; while the team database is down, back off.

        The wait doubles from ``backoff[0]`` up to ``backoff[1]`` seconds (with
        jitter) and never gives up: the changes are safe in the outbox meanwhile.
        """
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                sent = self.run_once()
                if sent < self.batch:
                    self.pull()
                    self._after_pull()
            except TeamUnavailable as exc:
                delay = failures.reconnect_delay(self._failures, *backoff)
                self._next_attempt = time.monotonic() + delay
                log.warning(
                    "team database unavailable (%s); retrying in %.0f s", exc, delay,
                    extra={"action": "relay_backoff"},
                )  # fmt: skip
                stop.wait(delay)
                continue
            if sent < self.batch:
                stop.wait(idle)

    def _after_pull(self) -> None:
        if self.after_pull is None:
            return
        try:
            self.after_pull()
        except Exception as exc:  # noqa: BLE001 - a failed download must not stop replication
            log.warning("after the pull: %s", exc, extra={"action": "relay_after_pull"})

    def status(self) -> RelayStatus:
        pending, parked = backlog(self.local)
        return RelayStatus(
            pending=pending, parked=parked, sent=self._sent, failures=self._failures,
            last_error=self._last_error, next_attempt=self._next_attempt,
        )  # fmt: skip

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._own_local:
            self.local.close()

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Local side -----------------------------------------------------------------

    def _read(self) -> list[upserts.Change]:
        o = schema.outbox
        statement = (
            sa.select(o.c.seq, o.c.rev, o.c.table_name, o.c.op, o.c.payload)
            .where(o.c.error.is_(None))
            .order_by(o.c.seq)
            .limit(self.batch)
        )
        with self.local.read() as connection:
            rows = connection.execute(statement).all()
        decode = upserts.decode
        return [
            upserts.Change(r.seq, r.rev, r.table_name, r.op, decode(r.table_name, r.payload))
            for r in rows
        ]

    def _seed_once(self) -> None:
        """The first relay run on this laptop sends the whole history (the outbox may have
        been discarded while there was no backend)."""
        if self._seeded:
            return
        if self.local.metrics.get(SEEDED_METRIC) is not None:
            with self.local.write() as connection:
                disown(connection)  # farm jobs' rows an older Vidgen left in the outbox
            self._seeded = True
            return
        queued = reseed(self.local)
        self.local.metrics.put(SEEDED_METRIC, queued, unit="rows")
        self._seeded = True
        log.info("queued the whole job history (%d rows) for the team database", queued,
                 extra={"action": "relay_seed"})  # fmt: skip

    def _unrouted(self, changes: Sequence[upserts.Change]) -> list[upserts.Change]:
        """Changes of jobs not routed yet (``pending``): they wait until the job is.

        A pending job may yet go to the farm, whose jobs belong to the team
        database: the shared queue publishes them (sources rewritten to team
        storage) and, once routed there, their rows leave the outbox
        (``store.team.outbox.disown``). Holding pending jobs back means a farm job
        never reaches the team database from here first, naming the laptop's
        files. Deletions go through (a deleted job was never anyone's to route).
        """

        def job_of(change: upserts.Change) -> Any:
            return change.values.get("id" if change.table == "jobs" else "job_id")

        ids = {job_of(c) for c in changes if c.op != "delete"} - {None}
        if not ids:
            return []
        jobs = schema.jobs
        with self.local.read() as connection:
            waiting = set(
                connection.execute(
                    sa.select(jobs.c.id).where(jobs.c.id.in_(ids), jobs.c.status == "pending")
                ).scalars()
            )
        return [c for c in changes if c.op != "delete" and job_of(c) in waiting]

    def _forget(self, changes: Sequence[upserts.Change]) -> None:
        """Delete what the team database now has, unless it changed again meanwhile."""
        if not changes:
            return
        o = schema.outbox
        statement = sa.delete(o).where(o.c.seq == sa.bindparam("s"), o.c.rev == sa.bindparam("r"))
        with self.local.write() as connection:
            connection.execute(statement, [{"s": c.seq, "r": c.rev} for c in changes])

    def _park(self, changes: Sequence[upserts.Change], refused: dict[int, str]) -> None:
        o = schema.outbox
        with self.local.write() as connection:
            for change in changes:
                if change.seq in refused:
                    connection.execute(
                        sa.update(o)
                        .where(o.c.seq == change.seq, o.c.rev == change.rev)
                        .values(error=refused[change.seq][:2000], attempts=o.c.attempts + 1)
                    )
                    log.error(
                        "the team database refused %s %s: %s", change.table, change.op,
                        refused[change.seq], extra={"action": "relay_park"},
                    )  # fmt: skip

    # Remote side ----------------------------------------------------------------

    def _remote(self) -> sa.Engine:
        if self._engine is None:
            self._engine = team_db.make_engine(self.remote_url)
        return self._engine

    def _send(self, changes: Sequence[upserts.Change]) -> dict[int, str]:
        """Apply the batch in one transaction; return the rows refused for good, by seq."""
        try:
            with self._remote().begin() as connection:
                self._check_schema(connection)
                try:
                    with connection.begin_nested():
                        for group in upserts.groups(changes):
                            connection.execute(*self._statement(group))
                    return {}
                except sa.exc.DBAPIError as exc:
                    if _transient(exc):
                        raise
                    log.warning("a batch was refused (%s); sending row by row", exc.orig)
                return self._send_one_by_one(connection, changes)
        except sa.exc.DBAPIError as exc:
            if self._engine is not None:
                self._engine.dispose()
            if _transient(exc):
                raise TeamUnavailable(
                    f"cannot reach the team database {team_db.describe(self.remote_url)}: "
                    f"{team_db.first_line(exc.orig)}",
                    detail=team_db.first_line(exc.orig),
                ) from exc
            raise

    def _send_one_by_one(
        self, connection: sa.Connection, changes: Sequence[upserts.Change]
    ) -> dict[int, str]:
        refused: dict[int, str] = {}
        for change in changes:
            try:
                with connection.begin_nested():
                    connection.execute(*self._statement([change]))
            except sa.exc.DBAPIError as exc:
                if _transient(exc):
                    raise
                refused[change.seq] = team_db.first_line(exc.orig)
        return refused

    @staticmethod
    def _check_schema(connection: sa.Connection) -> None:
        found = migrate.current(connection)
        if found != migrate.head():
            raise TeamUnavailable(
                f"the team database's schema is {found or 'missing'}, not {migrate.head()}: "
                "run `vidgen db upgrade --remote`"
            )

    def _statement(self, group: Sequence[upserts.Change]) -> tuple[Any, ...]:
        table = upserts.TABLES[group[0].table]
        if group[0].op == "delete":
            keys = ("job_id", "element_id") if table.name == "elements" else ("id",)
            where = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
            rows = [{f"k_{k}": c.values[k] for k in keys} for c in group]
            return (sa.delete(table).where(where), rows)
        rows = [self._stamp(table, c.values) for c in group]
        insert = postgresql.insert(table).values(rows)
        return (upserts.UPSERTS[table.name](insert),)

    def _stamp(self, table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
        if table.name == "jobs":
            values = dict(values)
            if values.get("owner_id") is None and self.owner_id is not None:
                values["owner_id"] = self.owner_id
            if values.get("team_id") is None and self.team_id is not None:
                values["team_id"] = self.team_id
        return values

    def _failed(self, exc: TeamUnavailable) -> None:
        self._failures += 1
        self._last_error = str(exc)


def _transient(exc: sa.exc.DBAPIError) -> bool:
    """A connection or server trouble worth retrying, as opposed to a refused row."""
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
        exc.connection_invalidated
    )
