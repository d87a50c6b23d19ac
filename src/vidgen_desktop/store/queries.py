"""SQL shared by the repositories: filters, row conversion, time, liveness of a worker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import sys
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.store import search
from vidgen_desktop.store.records import JobQuery, JobRecord
from vidgen_desktop.store.schema import jobs


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def this_host() -> str:
    return socket.gethostname()


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def jsonable(value: Any) -> Any:
    """Probe facts and details as plain JSON data (dataclasses and mappings accepted)."""
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID | dt.datetime | os.PathLike):
        return str(value)
    return value


def job_filter(
    query: JobQuery, dialect: str = "sqlite", *, indexed: bool = False
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses for a listing (everything but the page).

    ``indexed``: the database has the text search index (``search.present``).
    """
    where: list[sa.ColumnElement[bool]] = []
    if query.statuses:
        where.append(jobs.c.status.in_([str(s) for s in query.statuses]))
    if query.created_from is not None:
        where.append(jobs.c.created_at >= query.created_from)
    if query.created_to is not None:
        where.append(jobs.c.created_at < query.created_to)
    if query.batch_id is not None:
        where.append(jobs.c.batch_id == query.batch_id)
    term = query.search.strip()
    if term:
        where.append(search.clause(term, dialect, indexed=indexed))
    return where


def job_order(query: JobQuery) -> list[sa.ColumnElement[Any]]:
    column = jobs.c[query.order_by]
    if query.descending:
        return [column.desc(), jobs.c.id.desc()]
    return [column.asc(), jobs.c.id.asc()]


def select_jobs(
    query: JobQuery, dialect: str = "sqlite", *, indexed: bool = False
) -> sa.Select[Any]:
    where = job_filter(query, dialect, indexed=indexed)
    statement = sa.select(jobs).where(*where).order_by(*job_order(query))
    if query.limit is not None:
        statement = statement.limit(query.limit)
    if query.offset:
        statement = statement.offset(query.offset)
    return statement


def fetch_job(connection: sa.Connection, job_id: uuid.UUID) -> JobRecord | None:
    row = connection.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().one_or_none()
    return JobRecord.from_row(row) if row is not None else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just someone else's
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
