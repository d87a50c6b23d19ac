"""The job log's own exceptions; driver errors are translated into these."""

from __future__ import annotations

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.errors import TransientFailure


class StoreError(VidgenError):
    """The job database cannot be used."""


class JobNotFound(StoreError, LookupError):
    """No job has that id."""

    def __init__(self, job_id: object) -> None:
        super().__init__(f"no job with id {job_id} in the job log")
        self.job_id = job_id


class ConcurrentChange(StoreError):
    """Another process changed the job at the same moment; read it again and retry."""


class DatabaseBusy(StoreError, TransientFailure):
    """The job database stayed locked by another Vidgen process for too long."""


class NotAVidgenDatabase(StoreError):
    """That file is not a Vidgen job database."""


class SchemaTooNew(StoreError):
    """The job database was made by a newer Vidgen; update Vidgen to open it."""
