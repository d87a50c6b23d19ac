"""The farm's chunk tasks: one procrastinate task per chunk of a long farm job, and its join.

A farm job whose render is chunked (``render.chunks``) is rendered as:

    vidgen.render(job)          download, probe, prepare; the sound mixed once and
                                stored; one chunk task deferred per chunk
    vidgen.render_chunk(job, i) any worker: chunk i's picture, stored (own retries,
                                heartbeat, stall detection)
    vidgen.join_chunks(job)     deferred by the chunk that lands last: joined without
                                re-encoding, uploaded, published, completed

Each chunk task has a lock of its own (``<job>#chunk<i>``), so chunks of one
job run side by side on different workers while one chunk never runs twice
at once; the join's lock is ``<job>#join`` and its queueing lock makes a
join deferred twice (two chunks landing together) run once. Cancel cancels
every task of the job (``cancel_all``). The task bodies are
``worker.chunks``'; this module only names them.
"""

from __future__ import annotations

import uuid
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc

CHUNK_TASK = "vidgen.render_chunk"
JOIN_TASK = "vidgen.join_chunks"


def chunk_lock(job_id: uuid.UUID | str, index: int) -> str:
    return f"{job_id}#chunk{index}"


def join_lock(job_id: uuid.UUID | str) -> str:
    return f"{job_id}#join"


def register(app: procrastinate.App, queue: str, retry: Any, farm: Any) -> None:
    """Add the chunk and join tasks to ``app`` (``farm(context)``: the worker's ``Farm``)."""

    @app.task(name=CHUNK_TASK, queue=queue, pass_context=True, retry=retry)
    def render_chunk(
        context: procrastinate.JobContext, job_id: str, index: int, count: int, first: int,
        end: int,
    ) -> Any:  # fmt: skip
        """Render one chunk of a farm job's picture and store it (a worker thread)."""
        return farm(context).chunks.render_chunk(context, job_id, index, count, first, end)

    @app.task(name=JOIN_TASK, queue=queue, pass_context=True, retry=retry)
    def join_chunks(context: procrastinate.JobContext, job_id: str) -> Any:
        """Join a farm job's stored chunks and sound, publish it, complete the job."""
        return farm(context).chunks.join(context, job_id)


def defer_chunk(
    app: procrastinate.App, job_id: uuid.UUID | str, index: int, count: int, first: int, end: int,
    queue: str,
) -> int | None:  # fmt: skip
    """Defer chunk ``index``; None if that chunk is already waiting."""
    lock = chunk_lock(job_id, index)
    task = app.configure_task(
        CHUNK_TASK, queue=queue, lock=lock, queueing_lock=lock, allow_unknown=True
    )
    try:
        return task.defer(job_id=str(job_id), index=index, count=count, first=first, end=end)
    except pexc.AlreadyEnqueued:
        return None


def defer_join(app: procrastinate.App, job_id: uuid.UUID | str, queue: str) -> int | None:
    """Defer the join; None if it is already waiting (another chunk landed at the same time)."""
    lock = join_lock(job_id)
    task = app.configure_task(
        JOIN_TASK, queue=queue, lock=lock, queueing_lock=lock, allow_unknown=True
    )
    try:
        return task.defer(job_id=str(job_id))
    except pexc.AlreadyEnqueued:
        return None


def cancel_all(app: procrastinate.App, job_id: uuid.UUID | str) -> bool:
    """Cancel (and abort, when running) every chunk and join task of the job."""
    running = False
    for task in (CHUNK_TASK, JOIN_TASK):
        for job in app.job_manager.list_jobs(task=task):
            if not str(job.lock or "").startswith(f"{job_id}#"):
                continue
            if job.status in ("todo", "doing") and job.id is not None:
                aborted = app.job_manager.cancel_job_by_id(job.id, abort=True)
                running = running or (aborted and job.status == "doing")
    return running
