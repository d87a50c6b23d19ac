"""Batches: one template, a table of rows, one queued job per row and output size.

``plan`` checks every row (and size) first and collects every bad row, so a
batch with a mistake renders nothing unless the caller chooses to skip the
bad rows; ``submit`` queues the good ones through ``JobService`` (the
embedded queue or the farm, whichever the service was given), each job
carrying the batch's id and its row. The command line (``vidgen batch``) and
the editor's Batch Render dialog both use these; the job log then groups,
filters, cancels, retries and exports a batch by its id.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vidgen_desktop import files
from vidgen_desktop.composition import variables
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.composition.rows import Rows
from vidgen_desktop.composition.variable_types import MEDIA_TYPES
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import formats
from vidgen_desktop.store import JobQuery

Size = tuple[int, int]
CSV_FIELDS = ("row", "size", "job_id", "status", "output", "share_link", "error")


@dataclasses.dataclass(frozen=True)
class Planned:
    """One job of a batch: a row at one size, filled in, and where its file goes."""

    row: int
    size: Size
    values: dict[str, Any]
    composition: Composition
    output: Path

    @property
    def size_text(self) -> str:
        return f"{self.size[0]}x{self.size[1]}"

    def batch_fields(self, batch_id: uuid.UUID) -> dict[str, Any]:
        return {
            "batch_id": batch_id,
            "batch_row": {"row": self.row, "size": self.size_text, "values": self.values},
        }


@dataclasses.dataclass
class BatchPlan:
    batch_id: uuid.UUID
    jobs: list[Planned]
    bad: dict[int, list[str]]  # row number -> its problems, one line each

    @property
    def problems(self) -> list[str]:
        return [line for row in sorted(self.bad) for line in self.bad[row]]


def parse_sizes(text: str) -> list[Size]:
    """``"1920x1080,1080x1920"`` → [(1920, 1080), (1080, 1920)]; a clear error otherwise."""
    sizes = []
    for part in (p.strip() for p in text.split(",")):
        w, sep, h = part.lower().partition("x")
        if not sep or not w.isdigit() or not h.isdigit():
            raise VidgenError(f"--sizes: '{part}' is not a size like 1920x1080")
        if int(w) % 2 or int(h) % 2 or not (16 <= int(w) <= 7680 and 16 <= int(h) <= 7680):
            raise VidgenError(f"--sizes: {part} must be even numbers of pixels, 16 to 7680")
        sizes.append((int(w), int(h)))
    return list(dict.fromkeys(sizes))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in " -_.+" else "_" for c in text).strip(" .") or "_"


def output_name(
    template: str, comp: Composition, texts: Mapping[str, str], *, row: int, size: Size,
    width: int, project: str,
) -> str:  # fmt: skip
    """The file name (no folder) for a row: ``--name`` with variables and row, size, project."""
    names: dict[str, str] = {}
    for name, declared in comp.variables.items():
        value = texts.get(name, "")
        names[name] = Path(value).stem if declared.type in MEDIA_TYPES and value else value
    names.update(
        row=str(row).zfill(width), size=f"{size[0]}x{size[1]}", width=str(size[0]),
        height=str(size[1]), project=project,
    )  # fmt: skip

    def text(match: Any) -> str:
        if match.group(1) is None:
            return "{{" if match.group(0) == "{{{{" else match.group(0)
        if match.group(1) not in names:
            raise VidgenError(f"--name uses {{{{{match.group(1)}}}}}, which is no variable")
        return names[match.group(1)]

    stem = variables.TOKEN.sub(text, template)
    return _safe(stem) + formats.EXTENSIONS[comp.output.format]


def plan(
    comp: Composition,
    rows: Rows,
    out_dir: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    sizes: Sequence[Size] = (),
    name: str | None = None,
    project: str = "batch",
    exists: Callable[[str], bool] = os.path.exists,
) -> BatchPlan:
    """Check every row at every size; the good ones become ``Planned`` jobs."""
    sizes = list(sizes) or [(comp.output.width, comp.output.height)]
    template = name or ("{{project}}-{{row}}" + ("-{{size}}" if len(sizes) > 1 else ""))
    if len(sizes) > 1 and "{{size}}" not in template and "{{width}}" not in template:
        template += "-{{size}}"  # two sizes of a row never share a file
    width = max(3, len(str(len(rows.rows))))
    found = BatchPlan(uuid.uuid4(), [], {})
    taken: dict[Path, int] = {}
    for number, values in enumerate(rows.mapped(mapping), 1):
        values = {k: v for k, v in values.items() if k in comp.variables}
        try:
            texts = variables.values_for(
                comp, values, row=number, base_dir=rows.folder, exists=exists
            )
            for size in sizes:
                filled = variables.fill(
                    variables.variant(comp, *size), values, row=number, base_dir=rows.folder,
                    exists=exists,
                )  # fmt: skip
                variables.concrete(filled)  # a colour filled into no colour shows here
                target = out_dir / output_name(
                    template, comp, texts, row=number, size=size, width=width, project=project
                )
                if target in taken:
                    raise variables.VariableError(
                        [f"row {number}: its output {target.name} is row {taken[target]}'s "
                         "too; put {{row}} (or a unique column) in --name"]
                    )  # fmt: skip
                taken[target] = number
                found.jobs.append(Planned(number, size, values, filled, target))
        except variables.VariableError as exc:
            found.bad[number] = exc.lines
            found.jobs = [job for job in found.jobs if job.row != number]
    return found


@dataclasses.dataclass
class Submitted:
    planned: Planned
    job_id: uuid.UUID | None
    error: str | None = None


def submit(
    service: Any,
    batch: BatchPlan,
    *,
    project_path: str | None = None,
    on_job: Callable[[Submitted], None] | None = None,
) -> list[Submitted]:
    """Queue every planned job (never rendered now: threshold 0) with the batch's id."""
    done = []
    for job in batch.jobs:
        try:
            answer = service.submit(
                job.composition, output=job.output, project_path=project_path, threshold=0.0,
                batch=job.batch_fields(batch.batch_id),
            )  # fmt: skip
            result = Submitted(job, answer.job_id)
        except VidgenError as exc:  # the job log keeps the failed job and why
            found = service.store.jobs.list(JobQuery(batch_id=batch.batch_id, limit=None))
            ids = {j.id for j in found} - {s.job_id for s in done}
            result = Submitted(job, next(iter(ids), None), str(exc))
        done.append(result)
        if on_job is not None:
            on_job(result)
    return done


def jobs_of(store: Any, batch_id: uuid.UUID) -> list[Any]:
    """The batch's jobs in row order, then size."""
    found = store.jobs.list(JobQuery(batch_id=batch_id, limit=None, descending=False))
    return sorted(found, key=lambda j: ((j.batch_row or {}).get("row", 0), j.created_at))


def progress(jobs: Iterable[Any]) -> tuple[float, int, int]:
    """(overall fraction, jobs ended, jobs in all)."""
    jobs = list(jobs)
    if not jobs:
        return 1.0, 0, 0
    ended = sum(JobStatus(j.status) in states.TERMINAL for j in jobs)
    fraction = sum(1.0 if JobStatus(j.status) in states.TERMINAL else j.progress for j in jobs)
    return fraction / len(jobs), ended, len(jobs)


def cancel(service: Any, batch_id: uuid.UUID) -> int:
    """Cancel every job of the batch still waiting or rendering; how many were."""
    return _each(service, batch_id, states.CANCELLABLE, service.cancel)


def retry(service: Any, batch_id: uuid.UUID) -> int:
    """Queue every failed or cancelled job of the batch again; how many."""
    return _each(service, batch_id, states.RETRYABLE, service.retry)


def _each(service: Any, batch_id: uuid.UUID, when: frozenset, act: Callable[[Any], Any]) -> int:
    """``act`` on each job of the batch whose status is in ``when``; how many it took."""
    count = 0
    for job in jobs_of(service.store, batch_id):
        if JobStatus(job.status) in when:
            try:
                act(job.id)
                count += 1
            except VidgenError:
                pass  # it changed state meanwhile (ended, or was retried elsewhere)
    return count


def table(jobs: Iterable[Any], output_of: Callable[[Any], str | None] | None = None) -> str:
    """``batch.csv``: each job's row, size, id, status, output file and share link.

    ``output_of``: where a job's file is when not at its ``output_path`` (a farm
    job's is on the team storage)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for job in jobs:
        row = job.batch_row or {}
        writer.writerow([
            row.get("row", ""), row.get("size", ""), str(job.id), str(job.status),
            (output_of(job) if output_of else None) or job.output_path or "",
            job.output_url or "", job.error_message or "",
        ])  # fmt: skip
    return out.getvalue()


def write_table(
    path: Path, jobs: Iterable[Any], output_of: Callable[[Any], str | None] | None = None
) -> Path:
    files.atomic_write(path, table(jobs, output_of).encode("utf-8"))
    return path
