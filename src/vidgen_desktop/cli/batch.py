"""``vidgen batch PROJECT ROWS.csv|ROWS.json``: one job per row (and size) of a template.

Every row is checked first; bad rows are all reported at once and nothing is
rendered unless ``--skip-bad``. The jobs go through ``JobService`` to the
embedded queue (run here, until the batch is done) or, with a team backend,
to the farm. Progress is shown for the whole batch; at the end ``DIR/batch.csv``
lists each row's job id, status, output file and share link.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vidgen_desktop.cli import args as cli_args
from vidgen_desktop.errors import VidgenError

POLL = 0.25  # seconds between looks at the batch's jobs


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _rows_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (" …" if len(numbers) > 10 else "")


def cmd_batch(args: argparse.Namespace) -> int:
    from vidgen_desktop import config, store
    from vidgen_desktop.composition import project, rows
    from vidgen_desktop.queue import batch as batches

    comp = project.load(args.project)
    found = rows.load(args.rows)
    sizes = batches.parse_sizes(args.sizes) if args.sizes else []
    stem = Path(args.project).stem
    out = Path(args.out) if args.out else config.load().output_dir() / f"{stem}-batch"
    planned = batches.plan(comp, found, out.absolute(), sizes=sizes, name=args.name, project=stem)
    for line in planned.problems:
        _say(f"vidgen: {line}")
    if planned.bad and not args.skip_bad:
        bad = sorted(planned.bad)
        raise VidgenError(
            f"{len(bad)} of {len(found.rows)} rows cannot be rendered (row {_rows_list(bad)}); "
            "nothing was queued: fix them, or pass --skip-bad to render the others"
        )
    if not planned.jobs:
        raise VidgenError(f"{Path(args.rows).name} has no row to render")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VidgenError(f"cannot make the output folder {out}: {exc.strerror}") from exc
    db = store.open_local()
    try:
        return _run(args, db, planned, out)
    finally:
        db.close()


def _run(args: argparse.Namespace, db: Any, planned: Any, out: Path) -> int:
    from vidgen_desktop.cli.backend import relaying
    from vidgen_desktop.jobs.service import JobService
    from vidgen_desktop.queue import async_queue
    from vidgen_desktop.queue import batch as batches
    from vidgen_desktop.queue.local import LocalQueue

    farm = async_queue(db)
    service = JobService(db, queue=farm)
    local = None
    if farm is None and not args.no_wait:
        local = LocalQueue(db, service, concurrency=args.concurrency)
        local.start()  # renders from the first queued row on
    where = "the farm" if farm is not None else "the embedded queue"
    _say(f"batch {planned.batch_id}: {len(planned.jobs)} job(s) to {where}")
    try:
        with relaying(db, forever=farm is not None and not args.no_wait):
            batches.submit(service, planned, project_path=args.project)
            if not args.no_wait:
                _wait(db, planned.batch_id)
    except KeyboardInterrupt:
        _say(f"vidgen: stopped watching; the batch's jobs stay queued (batch {planned.batch_id})")
        raise
    finally:
        if local is not None:
            local.stop()
        jobs = batches.jobs_of(db, planned.batch_id)
        table = batches.write_table(out / "batch.csv", jobs, _farm_output(db, farm))
        if farm is not None:
            farm.close()
    print(planned.batch_id)
    print(table)
    if args.no_wait:
        return 0
    failed = [j for j in jobs if str(j.status) != "completed"]
    if failed:
        rows_failed = sorted({(j.batch_row or {}).get("row", 0) for j in failed})
        _say(f"vidgen: {len(failed)} job(s) did not complete (row {_rows_list(rows_failed)})")
        return 1
    return 0


def _farm_output(db: Any, farm: Any) -> Any:
    """A farm job's output: downloaded into DIR beside the others (``name-<job>.ext``).

    Where it cannot be fetched (the storage is unreachable), its file on the team
    storage is listed instead, so ``batch.csv`` still says where the render is.
    """
    if farm is None:
        return None
    from vidgen_desktop.errors import VidgenError
    from vidgen_desktop.queue import farm_outputs

    def output_of(job: Any) -> str | None:
        if job.route != farm.route:
            return None
        try:
            fresh = farm_outputs.refresh(db, job, farm.remote)  # pulled, its render fetched
            path = farm_outputs.fetch_output(db, fresh)
            if path is not None:
                return str(path)
        except VidgenError as exc:
            _say(f"vidgen: job {job.id}: its render stays on the team storage: {exc}")
        try:
            return farm.remote.jobs.get(job.id).output_path
        except Exception:  # noqa: BLE001 - the team database is gone: the local name will do
            return None

    return output_of


def _wait(db: Any, batch_id: Any) -> None:
    """Until every job of the batch has ended; one line per job that ends, and a bar."""
    from vidgen_desktop.cli import ProgressBar
    from vidgen_desktop.queue import batch as batches
    from vidgen_desktop.render.runner import Progress

    bar, seen = ProgressBar(label="Batch"), -1
    try:
        while True:
            fraction, ended, total = batches.progress(batches.jobs_of(db, batch_id))
            bar(Progress(fraction, 0.0, None, None, None, ended == total))
            if ended != seen and not bar.enabled:
                _say(f"batch: {ended}/{total} done ({fraction * 100:.0f}%)")
            seen = ended
            if ended == total:
                return
            time.sleep(POLL)
    finally:
        bar.finish()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="render a template once per row of a CSV or JSON file (and per size)"
    )
    p.add_argument("project", help="the template (a project with variables)")
    p.add_argument("rows", help="ROWS.csv (a header of variable names) or ROWS.json")
    p.add_argument("--out", metavar="DIR", help="folder for the videos and batch.csv")
    p.add_argument("--name", metavar="TEXT", help='file names, e.g. "{{product}}-{{row}}"')
    p.add_argument("--sizes", metavar="WxH,…", help="output sizes, e.g. 1920x1080,1080x1920")
    p.add_argument("--skip-bad", action="store_true", help="render the good rows, skip bad ones")
    p.add_argument("--no-wait", action="store_true", help="queue the jobs and return")
    p.add_argument(
        "--concurrency", type=cli_args.whole_number(1, cli_args.MAX_CONCURRENCY),
        help="renders at once in the embedded queue (default: the queue's setting)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_batch)
