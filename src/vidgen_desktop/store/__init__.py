"""The job log: the only package that talks SQL.

Open it with ``open_local()`` (this machine's SQLite file, migrated on open)
or ``open_url()``; use ``db.jobs``, ``db.timeline``, ``db.metrics``,
``db.storage_log``, ``db.errors`` (the error log) and ``db.audit`` (the audit
trail); get frozen records back (``JobRecord``, ``StepRecord``, …),
never ORM objects.
"""

from __future__ import annotations

from vidgen_desktop.store.audit import AuditRecord
from vidgen_desktop.store.database import Database, default_path, open_local, open_url
from vidgen_desktop.store.errorlog import ErrorRecord
from vidgen_desktop.store.errors import (
    ConcurrentChange,
    DatabaseBusy,
    JobNotFound,
    NotAVidgenDatabase,
    SchemaTooNew,
    StoreError,
)
from vidgen_desktop.store.migrate import head, upgrade
from vidgen_desktop.store.records import (
    CheckReport,
    CleanupResult,
    ElementRecord,
    JobQuery,
    JobRecord,
    MetricRecord,
    StepRecord,
)
from vidgen_desktop.store.storage_log import (
    StorageLogRecorder,
    StorageOperationRecord,
    UrlAccessRecord,
)
from vidgen_desktop.store.timeline import STEPS, StepNotFound

__all__ = [
    "STEPS",
    "AuditRecord",
    "CheckReport",
    "CleanupResult",
    "ConcurrentChange",
    "Database",
    "DatabaseBusy",
    "ElementRecord",
    "ErrorRecord",
    "JobNotFound",
    "JobQuery",
    "JobRecord",
    "MetricRecord",
    "NotAVidgenDatabase",
    "SchemaTooNew",
    "StepNotFound",
    "StepRecord",
    "StorageLogRecorder",
    "StorageOperationRecord",
    "StoreError",
    "UrlAccessRecord",
    "default_path",
    "head",
    "open_local",
    "open_url",
    "upgrade",
]
