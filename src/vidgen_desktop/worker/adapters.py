"""The farm's adapters to the one job pipeline (``jobs.pipeline``).

- ``TeamSources``: the sources come from the team storage (or an
  allow-listed URL), checked then downloaded into the job's scratch folder
  (the ``download_sources`` step; ``worker.sources`` says what is allowed).
- ``TeamOutput``: the output goes to the team storage, with a share link
  (the ``upload_output`` and ``publish`` steps).
- ``FarmStopper``: a cancel also arrives as procrastinate's abort, and the
  worker stops its renders when it loses the team database (``worker.link``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procrastinate import JobContext
from procrastinate.job_context import AbortReason

from vidgen_desktop import storage
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs.pipeline import Pipeline, Published
from vidgen_desktop.render import engine
from vidgen_desktop.worker import sources
from vidgen_desktop.worker.link import TeamLink


class TeamSources:
    def __init__(
        self, team: storage.Storage, allowed: tuple[str, ...], folder: Path, **details: Any
    ) -> None:
        self.storage, self.allowed, self.folder, self.details = team, allowed, folder, details

    def fetch(self, pipeline: Pipeline, job: Any) -> Composition:
        with pipeline.step(job.id, "download_sources", **self.details) as details:
            plan = sources.check(job.composition, self.storage, self.allowed)
            local = sources.fetch(plan, self.storage, self.folder / "sources", job.id)
            details["sources"] = len(local)
        return Composition.model_validate(sources.rewrite(job.composition, local))


class TeamOutput:
    def __init__(self, team: storage.Storage, folder: Path, client: str) -> None:
        self.storage, self.folder, self.client = team, folder, client

    def target(self, job: Any, comp: Composition) -> Path:
        name = Path(job.output_path).name if job.output_path else ""
        return self.folder / (name or engine.default_output_path(comp, None, self.folder).name)

    def label(self, target: Path) -> str:
        return target.name  # the worker's scratch path means nothing to the team

    def publish(self, pipeline: Pipeline, job: Any, target: Path) -> Published:
        with pipeline.step(job.id, "upload_output") as details:
            stored = self.storage.upload_output(target, job.id)
            details.update(key=stored.key, bytes=stored.size)
        with pipeline.step(job.id, "publish", finish=False) as details:
            link = self.storage.share_link(stored.key, job_id=job.id, client=self.client)
            expires = link.expires_at.isoformat() if link.expires_at else None
            details.update(mode=link.mode, expires_at=expires)
        step = (details.step_id, dict(details))  # completes with the job (one transaction)
        return Published(path=stored.uri, url=link.url, key=stored.key, step=step)

    def discard(self, job: Any, published: Published) -> None:
        if published.key is not None:
            self.storage.delete(published.key, job_id=job.id)


class FarmStopper:
    def __init__(self, context: JobContext, link: TeamLink) -> None:
        self.context, self.link = context, link

    def reason(self) -> str | None:
        if self.link.down.is_set():  # the rule: no database, no render (see worker.link)
            return "outage"
        abort = self.context.abort_reason()
        if abort is None:
            return None
        return "shutdown" if abort is AbortReason.SHUTDOWN else "abort"
