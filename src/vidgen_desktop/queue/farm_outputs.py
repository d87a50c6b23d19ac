"""A farm job's output, brought to the laptop: pulled by job, downloaded into the output folder.

>>> farm_outputs.refresh(local, job)       # a command reading a farm job: pull it, fetch its file
>>> farm_outputs.fetch_new(local)          # after the relay's pull: every newly finished one

The team database owns a farm job; the laptop's row is a mirror
(``store.team.mirror``). When the farm has finished it, its render is
downloaded from the team storage to the row's ``output_path``: the file the
laptop named at hand-over, in the designer's output folder, unique per job
(``local_name``), so Open and Show in Folder work and no two jobs share a
path. ``fetch_new`` downloads each finished job once (a download that was
tried is in the job's ``storage_operations``); opening the job
(``refresh``/``fetch_output``) tries again when the file is missing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidgen_desktop import config, storage
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.storage import share
from vidgen_desktop.store.database import Database
from vidgen_desktop.store.team import mirror

log = logging.getLogger(__name__)
FETCH_BATCH = 20  # finished farm jobs looked at per relay pull

StorageFactory = Callable[[storage.OperationRecorder], storage.Storage]


def local_name(output_path: str | Path, job_id: uuid.UUID | str) -> Path:
    """``…/promo.mp4`` → ``…/promo-1a2b3c4d.mp4``: one file per farm job on this laptop."""
    path = Path(output_path)
    tag = uuid.UUID(str(job_id)).hex[:8]
    if path.stem.endswith(f"-{tag}"):
        return path
    return path.with_name(f"{path.stem}-{tag}{path.suffix}")


def _team_storage(recorder: storage.OperationRecorder) -> storage.Storage:
    return storage.from_settings(config.load(), recorder=recorder)


def fetch_output(
    local: Database, job: Any, *, storage_factory: StorageFactory | None = None
) -> Path | None:
    """Download a finished farm job's render to its local path; the path (None: nothing to get)."""
    if job.route != "remote" or job.status is not JobStatus.COMPLETED or not job.output_url:
        return None
    if not job.output_path or "://" in job.output_path:
        return None
    path = local_name(job.output_path, job.id)  # a job handed over by an older Vidgen too
    if path.is_file():
        return path
    target = (storage_factory or _team_storage)(local.storage_log.recorder(job.id))
    key = share.farm_key(target, job.id, job.output_url)
    if key is None:
        return None
    target.download(key, path, job_id=job.id)
    mirror.set_local_output(local, job.id, str(path))
    log.info("job %s: farm output downloaded to %s", job.id, path,
             extra={"action": "farm_output_fetched"})  # fmt: skip
    return path


def fetch_new(
    local: Database, *, storage_factory: StorageFactory | None = None, limit: int = FETCH_BATCH
) -> list[Path]:
    """Download the renders of finished farm jobs not downloaded (nor tried) here yet."""
    ids = mirror.finished_not_downloaded(local, limit)
    fetched = []
    for job_id in ids:
        try:
            path = fetch_output(local, local.jobs.get(job_id), storage_factory=storage_factory)
        except VidgenError as exc:  # logged in storage_operations; opening the job tries again
            log.warning("job %s: farm output not downloaded: %s", job_id, exc)
            continue
        if path is not None:
            fetched.append(path)
    return fetched


def refresh(local: Database, job: Any, remote: Database | None = None) -> Any:
    """A farm job brought up to date before a command reads it (one pull, by id); its record.

    Local jobs, and farm jobs without a reachable team database, come back as they are.
    """
    if job.route != "remote" or not config.database_url():
        return job
    from vidgen_desktop.queue import farm

    own = remote is None
    try:
        remote = remote or farm.open_team()
        mirror.pull_job(local, remote, job.id)
    except Exception as exc:  # noqa: BLE001 - the local row is still worth showing
        log.warning("job %s not brought up to date from the team database: %s", job.id, exc)
    finally:
        if own and remote is not None:
            remote.close()
    job = local.jobs.get(job.id)
    try:
        fetch_output(local, job)
    except VidgenError as exc:
        log.warning("job %s: farm output not downloaded: %s", job.id, exc)
    return local.jobs.get(job.id)
