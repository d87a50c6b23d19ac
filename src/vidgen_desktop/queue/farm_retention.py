"""Retention on the team database, with the team storage: a removed job's objects go too.

>>> retention.run(remote, stored=TeamOutputs(remote))           # `vidgen cleanup --remote`
>>> farm_retention.run(farm)                                    # the --retention worker

``store.retention`` decides which jobs and outputs go; ``TeamOutputs`` lists
and deletes their keys under ``outputs/<job id>/`` in the team storage, and
writes each deletion to ``storage_operations`` (``delete``, ``details.by =
"retention"``). A deleted job's row is gone, so its deletions keep its id in
``details.job`` rather than as a reference.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from vidgen_desktop import config, storage
from vidgen_desktop.store import retention
from vidgen_desktop.store.database import Database

StorageFactory = Callable[[storage.OperationRecorder], storage.Storage]


class _Recorder:
    """Storage reports into the job log, with or without the (removed) job as a reference."""

    def __init__(self, db: Database) -> None:
        self.db, self.job_kept = db, True

    def operation(self, op: Any) -> None:
        details = {**(op.details or {}), "by": "retention", "job": op.job_id}
        self.db.storage_log.record_operation(
            op.kind, backend=op.backend, key=op.key, bucket=op.bucket,
            status="completed" if op.success else "failed", size_bytes=op.size_bytes,
            duration_seconds=op.duration_seconds, error_message=op.error, details=details,
            job_id=op.job_id if self.job_kept and op.job_id else None, at=op.at,
        )  # fmt: skip

    def link(self, event: Any) -> None:  # retention makes no links
        pass


class TeamOutputs:
    """``store.retention.StoredOutputs`` on the team storage of the settings (or ``factory``)."""

    def __init__(self, db: Database, factory: StorageFactory | None = None) -> None:
        self._recorder = _Recorder(db)
        make = factory or (lambda recorder: storage.from_settings(config.load(), recorder=recorder))
        self.target = make(self._recorder)

    def keys(self, job_id: uuid.UUID) -> list[str]:
        return self.target.output_keys(job_id)

    def delete(self, job_id: uuid.UUID, key: str, *, job_kept: bool) -> bool:
        self._recorder.job_kept = job_kept
        return self.target.delete(key, job_id=job_id)


def run(farm: Any) -> list[str]:
    """The ``vidgen.retention`` task: the settings' policy on ``farm.remote`` and its storage."""
    return retention.run(farm.remote, stored=TeamOutputs(farm.remote, farm.storage_factory))
