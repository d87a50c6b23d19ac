"""The error log and audit trail of the in-memory job store (``jobs.memory``).

Their records have the fields of ``store.errorlog.ErrorRecord`` and
``store.audit.AuditRecord``; like those repositories they only append.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
import threading
import types
import uuid
from collections.abc import Callable, Mapping
from typing import Any

AUDIT_ACTIONS = ("created", "cancelled", "retried", "deleted", "shared", "link_revoked")


class MemoryErrorLog:
    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self._clock, self._rows, self._lock = clock, [], threading.Lock()

    def record(
        self, job_id: Any, failure: Any, strategy: Any, *, step: str | None = None,
        step_id: Any = None, attempt: int = 0, worker: str | None = None,
        at: dt.datetime | None = None,
    ) -> Any:  # fmt: skip
        with self._lock:
            previous = next((r.id for r in reversed(self._rows) if r.job_id == job_id), None)
            row = types.SimpleNamespace(
                id=uuid.uuid4(), job_id=job_id, step=step, step_id=step_id, attempt=attempt,
                error_code=failure.code, error_class=str(failure.kind),
                severity=str(strategy.severity), message=failure.message,
                detail=failure.detail or None, strategy=str(strategy.action),
                retry_after_seconds=strategy.delay,
                worker=worker or f"{socket.gethostname()}:{os.getpid()}",
                follows_from=previous, created_at=at or self._clock(),
            )  # fmt: skip
            self._rows.append(row)
            return row

    def list(
        self, *, job_id: Any = None, since: dt.datetime | None = None, code: str | None = None,
        limit: int | None = 500,
    ) -> list[Any]:  # fmt: skip
        with self._lock:
            rows = [
                r for r in self._rows
                if (job_id is None or r.job_id == job_id)
                and (since is None or r.created_at >= since) and (not code or r.error_code == code)
            ]  # fmt: skip
        return rows[-limit:] if limit else rows


class MemoryAudit:
    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self._clock, self._rows, self._lock = clock, [], threading.Lock()

    def record(
        self, job_id: Any, action: str, *, details: Mapping[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> Any:  # fmt: skip
        if action not in AUDIT_ACTIONS:
            raise ValueError(
                f"'{action}' is not an audit action (one of: {', '.join(AUDIT_ACTIONS)})"
            )
        row = types.SimpleNamespace(
            id=uuid.uuid4(), job_id=job_id, action=action, machine=socket.gethostname(),
            user_name=getpass.getuser(), details=dict(details) if details else None,
            created_at=at or self._clock(),
        )  # fmt: skip
        with self._lock:
            self._rows.append(row)
        return row

    def trail(self, job_id: Any = None, **_: Any) -> list[Any]:
        with self._lock:
            return [r for r in self._rows if job_id is None or r.job_id == job_id]
