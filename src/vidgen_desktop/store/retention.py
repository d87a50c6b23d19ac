"""Retention: how long the job log keeps finished jobs, their outputs and their timelines.

>>> policy = Policy.from_settings(config.load())
>>> report = apply(db, policy, dry_run=True)    # what would go, nothing changed
>>> report = apply(db, policy)                  # done; the log says what went
>>> Daily(db, lambda: Policy.from_settings(config.load())).start()   # the editor

One policy serves both databases: the editor applies it to the local log on
start and every day (``Daily``), and the worker started with ``--retention``
to the team database (the ``vidgen.retention`` periodic task). Rules, each
in days (None: keep forever):

- ``completed_days`` / ``failed_days`` / ``cancelled_days``: the job row goes,
  with its elements, timeline, storage log and error log; the audit trail
  keeps a "deleted" row saying which rule removed it;
- ``outputs_days``: a completed job's output file (a local path; a URL stays,
  its storage has its own lifecycle) is deleted and the job keeps a note;
- ``timelines_days``: the steps of a finished job go, the job stays.

On the team database (``stored`` given: the ``--retention`` worker, ``vidgen
cleanup --retention --remote``) a removed job's objects in the team storage
(``outputs/<job id>/…``: its render, a chunked job's parts) go too, after its
row, and so does a completed job's render under ``outputs_days``; each
deletion is in ``storage_operations`` and the job's audit row or note. Share
uploads (``shares/<sha>/…``, content-addressed, possibly another job's) stay.

A job that is shared (a link that has not expired nor been revoked) or that
belongs to a batch is never touched. What a run removed is written to the
audit trail and as one ``retention_run`` metric with the counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from vidgen_desktop.store import audit, queries, schema
from vidgen_desktop.store import timeline as steps

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

log = logging.getLogger(__name__)
DAY = 24 * 3600.0
BATCH = 500  # jobs per statement
METRIC = "retention_run"
REVOKED = ("revoked", "expired", "link_revoked")  # url_access_logs actions that end a link

j, u, a, t = schema.jobs, schema.url_access_logs, schema.job_audit_log, schema.processing_timeline


class StoredOutputs(Protocol):
    """The team storage as retention sees it (``queue.farm_retention.TeamOutputs``)."""

    def keys(self, job_id: uuid.UUID) -> list[str]: ...

    def delete(self, job_id: uuid.UUID, key: str, *, job_kept: bool) -> bool: ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class Policy:
    completed_days: float | None = None
    failed_days: float | None = None
    cancelled_days: float | None = None
    outputs_days: float | None = None
    timelines_days: float | None = None
    enabled: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        kept = settings.retention
        return cls(**{f.name: getattr(kept, f.name) for f in dataclasses.fields(cls)})

    def jobs(self) -> dict[str, float]:
        """Job status -> days it is kept, for the rules that are set."""
        rules = {"completed": self.completed_days, "failed": self.failed_days,
                 "cancelled": self.cancelled_days}  # fmt: skip
        return {status: days for status, days in rules.items() if days is not None}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Removed:
    job_id: uuid.UUID
    status: str
    project_name: str
    rule: str  # e.g. "failed older than 90 days"
    output_path: str | None = None
    route: str | None = None
    objects: tuple[str, ...] = ()  # its keys in the team storage (``stored`` runs only)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Report:
    dry_run: bool
    jobs: tuple[Removed, ...] = ()
    outputs: tuple[Removed, ...] = ()
    timelines: tuple[Removed, ...] = ()  # jobs whose steps went
    protected: int = 0  # jobs old enough to go, kept: shared or in a batch

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        rows = [f"{verb} job {r.job_id} ({r.project_name or '-'}): {r.rule}" for r in self.jobs]
        rows += [f"{verb} output {r.output_path} of job {r.job_id}: {r.rule}" for r in self.outputs]
        rows += [f"{verb} stored object {key} of job {r.job_id}"
                 for r in (*self.jobs, *self.outputs) for key in r.objects]  # fmt: skip
        rows += [f"{verb} the timeline of job {r.job_id}: {r.rule}" for r in self.timelines]
        rows.append(
            f"{verb} {len(self.jobs)} job(s), {len(self.outputs)} output(s), "
            f"{len(self.timelines)} timeline(s); kept {self.protected} shared or batch job(s)"
        )
        return rows


def protected() -> sa.ColumnElement[bool]:
    """Jobs retention never touches: shared by a live link, or part of a batch."""
    rules = [_live_link(), _audit_shared()]
    batch = j.c.get("batch_id")  # the batch issue's column, when it is there
    if batch is not None:
        rules.append(batch.is_not(None))
    return sa.or_(*rules)


def _live_link() -> sa.ColumnElement[bool]:
    """A link made (not a local file's), not expired, and not revoked or expired since."""
    made, ended, revoked = u.alias("made"), u.alias("ended"), a.alias("revoked")
    return sa.exists().where(
        made.c.job_id == j.c.id, made.c.action == "created", ~made.c.url.like("file:%"),
        sa.or_(made.c.expires_at.is_(None), made.c.expires_at > queries.now()),
        ~sa.exists().where(
            ended.c.job_id == made.c.job_id, ended.c.action.in_(REVOKED),
            ended.c.accessed_at >= made.c.accessed_at,
        ),
        ~sa.exists().where(
            revoked.c.job_id == made.c.job_id, revoked.c.action == "link_revoked",
            revoked.c.created_at >= made.c.accessed_at,
        ),
    )  # fmt: skip


def _audit_shared() -> sa.ColumnElement[bool]:
    """A "shared" audit row, not expired (its ``details.expires_at``, ISO 8601 UTC; none:
    a public link), with no "link_revoked" after it."""
    shared, revoked = a.alias("shared"), a.alias("revoked")
    expires = shared.c.details["expires_at"].as_string()
    return sa.exists().where(
        shared.c.job_id == j.c.id, shared.c.action == "shared",
        sa.or_(expires.is_(None), expires > queries.now().isoformat()),
        ~sa.exists().where(
            revoked.c.job_id == shared.c.job_id, revoked.c.action == "link_revoked",
            revoked.c.created_at >= shared.c.created_at,
        ),
    )  # fmt: skip


def apply(
    db: Database, policy: Policy, *, dry_run: bool = False, at: dt.datetime | None = None,
    remove_output: Callable[[str], bool] | None = None, stored: StoredOutputs | None = None,
) -> Report:  # fmt: skip
    """Apply ``policy`` to ``db`` once; ``remove_output(path)``: delete one output (default:
    a local file); ``stored``: the team storage, whose objects of the jobs go too (the team
    database). Nothing changes with ``dry_run``."""
    if not policy.enabled:
        return Report(dry_run=dry_run)
    at = at or queries.now()
    remove_output = remove_output or _remove_local_file
    with db.write() as connection:
        jobs, kept = _old_jobs(connection, policy, at)
        outputs = _old_outputs(connection, policy, at, stored=stored is not None)
        timelines = _old_timelines(connection, policy, at, {r.job_id for r in jobs})
        if stored is not None:  # listed before anything goes, so the audit row names them
            jobs = [dataclasses.replace(r, objects=tuple(stored.keys(r.job_id))) for r in jobs]
            outputs = [dataclasses.replace(r, objects=tuple(stored.keys(r.job_id)))
                       for r in outputs]  # fmt: skip
        if not dry_run:
            _delete_jobs(connection, jobs)
            _keep_farm_jobs_remote(connection, jobs)
            _drop_timelines(connection, timelines)
    if stored is not None and not dry_run:  # objects after their rows: a failure leaves a log
        jobs = [_delete_objects(stored, r, job_kept=False) for r in jobs]
    removed_outputs = []
    for row in outputs:  # files last: the database cannot undo a deleted file
        if stored is not None:
            gone = row if dry_run else _delete_objects(stored, row, job_kept=True)
            if dry_run or gone.objects or not row.objects:  # none went: the next run tries
                removed_outputs.append(gone)
        elif dry_run or remove_output(row.output_path or ""):
            removed_outputs.append(row)
    if not dry_run:
        _note_outputs(db, removed_outputs, stored=stored is not None)
    report = Report(dry_run=dry_run, jobs=tuple(jobs), outputs=tuple(removed_outputs),
                    timelines=tuple(timelines), protected=kept)  # fmt: skip
    if not dry_run:
        db.metrics.put(METRIC, len(jobs), unit="jobs", details={
            "outputs": len(removed_outputs),
            "objects": sum(len(r.objects) for r in (*jobs, *removed_outputs)),
            "timelines": len(timelines), "protected": kept,
            "policy": dataclasses.asdict(policy),
        })  # fmt: skip
    for line in report.lines():
        log.info("retention: %s", line, extra={"action": "retention"})
    return report


def run(db: Database, *, dry_run: bool = False, stored: StoredOutputs | None = None) -> list[str]:
    """Apply the settings' policy now (the team's ``vidgen.retention`` task); what it did."""
    from vidgen_desktop import config

    policy = Policy.from_settings(config.load())
    return apply(db, policy, dry_run=dry_run, stored=stored).lines()


def _delete_objects(stored: StoredOutputs, row: Removed, *, job_kept: bool) -> Removed:
    """Delete ``row``'s objects; ``row`` with those that went (a failure is logged)."""
    gone = []
    for key in row.objects:
        try:
            stored.delete(row.job_id, key, job_kept=job_kept)
        except Exception as exc:  # noqa: BLE001 - in storage_operations; the next run tries again
            log.warning("retention: %s of job %s not deleted: %s", key, row.job_id, exc)
            continue
        gone.append(key)
    return dataclasses.replace(row, objects=tuple(gone))


def _old_jobs(connection: sa.Connection, policy: Policy, at: dt.datetime) -> tuple[list, int]:
    removed, kept = [], 0
    for status, days in policy.jobs().items():
        ended = sa.func.coalesce(j.c.completed_at, j.c.created_at)
        old = sa.and_(j.c.status == status, ended < at - _days(days))
        kept += connection.execute(
            sa.select(sa.func.count()).select_from(j).where(old, protected())
        ).scalar_one()
        rule = f"{status} older than {days:g} days"
        rows = connection.execute(
            sa.select(j.c.id, j.c.status, j.c.project_name, j.c.output_path, j.c.route)
            .where(old, ~protected()).order_by(j.c.created_at)
        ).all()  # fmt: skip
        removed += [Removed(job_id=r.id, status=r.status, project_name=r.project_name,
                            rule=rule, output_path=r.output_path, route=r.route)
                    for r in rows]  # fmt: skip
    return removed, kept


def _old_outputs(
    connection: sa.Connection, policy: Policy, at: dt.datetime, *, stored: bool
) -> list[Removed]:
    """Completed jobs whose output goes: a local file, or (``stored``) the team storage's."""
    if policy.outputs_days is None:
        return []
    rule = f"output older than {policy.outputs_days:g} days"
    local = sa.true() if stored else ~j.c.output_path.contains("://")
    rows = connection.execute(
        sa.select(j.c.id, j.c.status, j.c.project_name, j.c.output_path).where(
            j.c.status == "completed", j.c.output_path.is_not(None), local,
            sa.func.coalesce(j.c.completed_at, j.c.created_at) < at - _days(policy.outputs_days),
            ~protected(),
        )
    ).all()  # fmt: skip
    return [Removed(job_id=r.id, status=r.status, project_name=r.project_name, rule=rule,
                    output_path=r.output_path) for r in rows]  # fmt: skip


def _old_timelines(
    connection: sa.Connection, policy: Policy, at: dt.datetime, going: set
) -> list[Removed]:
    if policy.timelines_days is None:
        return []
    rule = f"timeline older than {policy.timelines_days:g} days"
    rows = connection.execute(
        sa.select(j.c.id, j.c.status, j.c.project_name).where(
            j.c.status.in_(("completed", "failed", "cancelled")),
            sa.func.coalesce(j.c.completed_at, j.c.created_at) < at - _days(policy.timelines_days),
            sa.exists().where(t.c.job_id == j.c.id), ~protected(),
        )
    ).all()  # fmt: skip
    return [Removed(job_id=r.id, status=r.status, project_name=r.project_name, rule=rule)
            for r in rows if r.id not in going]  # fmt: skip


def _delete_jobs(connection: sa.Connection, jobs: list[Removed]) -> None:
    for start in range(0, len(jobs), BATCH):
        chunk = jobs[start : start + BATCH]
        connection.execute(sa.delete(j).where(j.c.id.in_([r.job_id for r in chunk])))
        for row in chunk:
            audit.insert(connection, row.job_id, "deleted", details={
                "by": "retention", "rule": row.rule, "project_name": row.project_name,
                "status": row.status, **({"objects": list(row.objects)} if row.objects else {}),
            })  # fmt: skip


def _keep_farm_jobs_remote(connection: sa.Connection, jobs: list[Removed]) -> None:
    """A farm job is the team database's: the laptop's retention removes its mirror here,
    never the job there (its own retention worker decides). SQLite only."""
    farm = [r.job_id.hex for r in jobs if r.route == "remote"]
    if connection.dialect.name != "sqlite" or not farm:
        return
    o = schema.outbox
    key = sa.func.coalesce(sa.func.json_extract(o.c.payload, "$.job_id"),
                           sa.func.json_extract(o.c.payload, "$.id"))  # fmt: skip
    for start in range(0, len(farm), BATCH):
        chunk = farm[start : start + BATCH]
        connection.execute(sa.delete(o).where(
            sa.or_(key.in_(chunk), sa.and_(o.c.table_name == "jobs", o.c.row_key.in_(chunk)))
        ))  # fmt: skip


def _drop_timelines(connection: sa.Connection, jobs: list[Removed]) -> None:
    ids = [r.job_id for r in jobs]
    for start in range(0, len(ids), BATCH):
        connection.execute(sa.delete(t).where(t.c.job_id.in_(ids[start : start + BATCH])))


def _note_outputs(db: Database, rows: list[Removed], *, stored: bool = False) -> None:
    gone = {"output_url": None} if stored else {}  # its link leads nowhere now
    with db.write() as connection:
        for row in rows:
            connection.execute(sa.update(j).where(j.c.id == row.job_id)
                               .values(output_path=None, updated_at=queries.now(),
                                       **gone))  # fmt: skip
            details = {"output_path": row.output_path, "by": "retention"}
            if row.objects:
                details["objects"] = list(row.objects)
            steps.insert_note(
                connection, row.job_id, f"output removed: {row.rule}", details=details
            )


def _remove_local_file(path: str) -> bool:
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("retention: %s not removed: %s", path, exc)
        return False
    return True


def _days(days: float) -> dt.timedelta:
    return dt.timedelta(seconds=days * DAY)


class Daily:
    """Apply a policy now and then every ``every`` seconds, in a daemon thread, until ``stop``.

    ``policy`` is read again before each run, so a settings change takes effect.
    """

    def __init__(self, db: Database, policy: Callable[[], Policy], *, every: float = DAY) -> None:
        self.db, self.policy, self.every = db, policy, every
        self.last: Report | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vidgen-retention", daemon=True)

    def start(self) -> Daily:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last = apply(self.db, self.policy())
            except Exception as exc:  # noqa: BLE001 - a busy or broken log: try again tomorrow
                log.warning("retention did not run: %s", exc)
            self._stop.wait(self.every)
