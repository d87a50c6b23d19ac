"""The statements the relay sends: one guarded upsert (or delete) per run of outbox rows.

See ``store.team.relay`` for what the guards promise. PostgreSQL only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vidgen_desktop.jobs import states
from vidgen_desktop.store import schema

TABLES = {
    t.name: t
    for t in (
        schema.jobs,
        schema.elements,
        schema.processing_timeline,
        schema.storage_operations,
        schema.url_access_logs,
        schema.processing_error_log,  # revision 0007
        schema.job_audit_log,
    )
}
_ALLOWED = [f"{old}>{new}" for old, new in states.allowed_pairs()]
_SERVER_SIDE = frozenset({"change_seq"})  # columns the team database fills in itself


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One outbox row: its place in line, its revision, and the row's values."""

    seq: int
    rev: int
    table: str
    op: str
    values: dict[str, Any]


def groups(changes: Sequence[Change]) -> Iterator[list[Change]]:
    """Runs of the same table and operation, each row at most once (one statement each)."""
    group: list[Change] = []
    keys: set[str] = set()
    for change in changes:
        key = _key(change)
        if group and ((change.table, change.op) != (group[0].table, group[0].op) or key in keys):
            yield group
            group, keys = [], set()
        group.append(change)
        keys.add(key)
    if group:
        yield group


def _key(change: Change) -> str:
    v = change.values
    return f"{v['job_id']}:{v['element_id']}" if change.table == "elements" else str(v["id"])


def _distinct(table: sa.Table, excluded: Any, columns: Sequence[str]) -> sa.ColumnElement[bool]:
    mine = sa.tuple_(*(table.c[c] for c in columns))
    theirs = sa.tuple_(*(excluded[c] for c in columns))
    return mine.is_distinct_from(theirs)


def _upsert_jobs(insert: postgresql.Insert) -> Any:
    j, x = schema.jobs, insert.excluded
    columns = [c.name for c in j.columns if c.name not in _SERVER_SIDE | {"id"}]
    kept = {"owner_id", "team_id"}  # a snapshot without them keeps what the remote has
    new = {c: (sa.func.coalesce(x[c], j.c[c]) if c in kept else x[c]) for c in columns}
    changed = sa.tuple_(*(j.c[c] for c in columns)).is_distinct_from(
        sa.tuple_(*(new[c] for c in columns))
    )
    legal = sa.or_(j.c.status == x.status, (j.c.status + ">" + x.status).in_(_ALLOWED))
    return insert.on_conflict_do_update(
        index_elements=[j.c.id],
        set_=new,
        where=sa.and_(j.c.updated_at <= x.updated_at, legal, changed),
    )


def _upsert_elements(insert: postgresql.Insert) -> Any:
    e, x = schema.elements, insert.excluded
    columns = [c.name for c in e.columns if c.name not in {"id", "job_id", "element_id"}]
    return insert.on_conflict_do_update(
        index_elements=[e.c.job_id, e.c.element_id],
        set_={c: x[c] for c in columns},
        where=_distinct(e, x, columns),
    )


def _upsert_steps(insert: postgresql.Insert) -> Any:
    t, x = schema.processing_timeline, insert.excluded
    columns = [c.name for c in t.columns if c.name not in _SERVER_SIDE | {"id"}]
    forward = sa.case(
        (t.c.ended_at.is_(None), sa.or_(x.ended_at.is_not(None), x.progress >= t.c.progress)),
        else_=sa.and_(x.ended_at.is_not(None), x.ended_at >= t.c.ended_at),
    )
    return insert.on_conflict_do_update(
        index_elements=[t.c.id],
        set_={c: x[c] for c in columns},
        where=sa.and_(forward, _distinct(t, x, columns)),
    )


def _insert_once(insert: postgresql.Insert) -> Any:
    return insert.on_conflict_do_nothing(index_elements=["id"])


UPSERTS = {
    "jobs": _upsert_jobs,
    "elements": _upsert_elements,
    "processing_timeline": _upsert_steps,
    "storage_operations": _insert_once,
    "url_access_logs": _insert_once,
    "processing_error_log": _insert_once,
    "job_audit_log": _insert_once,  # append-only there too
}


# Values ---------------------------------------------------------------------------


def decode(table_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A SQLite snapshot (hex UUIDs, naive UTC text, 0/1) as Python values for any database."""
    table = TABLES[table_name]
    values: dict[str, Any] = {}
    for name, value in payload.items():
        kind = table.c[name].type
        if value is None:
            pass
        elif isinstance(kind, sa.Uuid):
            value = uuid.UUID(str(value))
        elif isinstance(kind, schema.UTCDateTime):
            value = dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)
        elif isinstance(kind, sa.Boolean):
            value = bool(value)
        values[name] = value
    return values
