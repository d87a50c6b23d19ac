"""Measurements of this machine kept over time (``system_metrics``).

The estimator stores this machine's measured render speed here (for example
``render_speed``, in work units per second), once by calibration and then
after every completed job; ``get`` returns the newest value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import queries
from vidgen_desktop.store.records import MetricRecord
from vidgen_desktop.store.schema import system_metrics as m

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

_COLUMNS = (m.c.name, m.c.value, m.c.unit, m.c.details, m.c.host, m.c.recorded_at)


class MetricRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(
        self,
        name: str,
        value: float,
        *,
        unit: str | None = None,
        details: Mapping[str, Any] | None = None,
        host: str | None = None,
        at: dt.datetime | None = None,
    ) -> MetricRecord:
        """Record a new value (older values are kept as history)."""
        record = MetricRecord(
            name=name,
            value=float(value),
            unit=unit,
            details=queries.jsonable(details),
            host=host or queries.this_host(),
            recorded_at=at or queries.now(),
        )
        with self._db.write() as connection:
            connection.execute(sa.insert(m).values(**dataclasses.asdict(record)))
        return record

    def prune(self, name: str, *, older_than: dt.timedelta, host: str | None = None) -> int:
        """Delete values of ``name`` for ``host`` recorded more than ``older_than`` ago."""
        cutoff = queries.now() - older_than
        with self._db.write() as connection:
            return connection.execute(
                sa.delete(m).where(
                    m.c.name == name,
                    m.c.host == (host or queries.this_host()),
                    m.c.recorded_at < cutoff,
                )
            ).rowcount

    def get(self, name: str, *, host: str | None = None) -> MetricRecord | None:
        """The newest value of ``name`` (for ``host``, this machine by default), or None."""
        rows = self.history(name, host=host, limit=1)
        return rows[0] if rows else None

    def history(
        self, name: str, *, host: str | None = None, limit: int | None = 100
    ) -> list[MetricRecord]:
        """Values of ``name`` for ``host``, newest first."""
        statement = (
            sa.select(*_COLUMNS)
            .where(m.c.name == name, m.c.host == (host or queries.this_host()))
            .order_by(m.c.recorded_at.desc(), m.c.id.desc())
            .limit(limit)
        )
        with self._db.read() as connection:
            return [MetricRecord.from_row(r) for r in connection.execute(statement).mappings()]
