"""What ``videoresult`` answers from: each job's record as last read, kept with its stamp.

>>> snapshots = Snapshots(db, salt="1733114463.2")
>>> job, tag = snapshots.answer(job_id)              # LookupError: no such job
>>> job, tag = snapshots.answer(job_id, if_none_match)   # job None: the poller's tag holds

A poll reads the job's stamp (``store.job_stamps``: its ``updated_at``,
status, progress and step: a few microseconds) and answers from the record
kept with that stamp; only when the stamp moved is the job read again
(``db.jobs.get``, the store's one read path). So an answer is never older
than the job log, whoever wrote it: this process's queue, ``vidgen queue
run`` in another process, the team mirror, or ``vidgen jobs cancel``.

The ``ETag`` is made from the stamp and the server process (``salt``), not
from the answer's bytes, so ``If-None-Match`` is answered 304 without
building nor serialising the answer. A processing job's ETA is worked out
when the job is read; between two writes of its progress a 304 leaves the
poller with the ETA it has (progress is written several times a second
while a job renders).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

from vidgen_desktop.store.job_stamps import JobStamps

# jobs kept (then the oldest read is dropped). Each record carries its whole document
# (tens of KB as Python objects for a real project), so 10,000 could hold hundreds of MB;
# 1,000 covers as many pollers at once, and a job past that is read again (~0.3 ms).
KEPT = 1_000


class Snapshots:
    def __init__(self, db: Any, *, salt: str, kept: int = KEPT) -> None:
        self._db = db
        self._stamps = JobStamps(db)
        self._salt = salt.encode()
        self._kept_max = kept
        self._kept: dict[uuid.UUID, tuple[str, Any]] = {}  # id -> (stamp, record)
        self._lock = threading.Lock()

    def answer(self, job_id: uuid.UUID, known: str | None = None) -> tuple[Any | None, str]:
        """(the job as the log has it now, its ETag); (None, the ETag) when ``known`` (an
        ``If-None-Match`` value) holds the ETag it has now. LookupError when there is no job."""
        stamp = self._stamps.stamp(job_id)
        if stamp is None:
            raise LookupError(job_id)
        tag = self._tag(job_id, stamp)
        if known and (tag in (t.strip() for t in known.split(",")) or known.strip() == "*"):
            return None, tag
        with self._lock:
            kept = self._kept.get(job_id)
        if kept is not None and kept[0] == stamp:
            return kept[1], tag
        record = self._db.jobs.get(job_id)  # at least as new as the stamp read before it
        with self._lock:
            if len(self._kept) >= self._kept_max and job_id not in self._kept:
                self._kept.pop(next(iter(self._kept)))
            self._kept[job_id] = (stamp, record)
        return record, tag

    def _tag(self, job_id: uuid.UUID, stamp: str) -> str:
        digest = hashlib.blake2b(job_id.bytes + stamp.encode() + self._salt, digest_size=12)
        return '"' + digest.hexdigest() + '"'

    def close(self) -> None:
        self._stamps.close()
