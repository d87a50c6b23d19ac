"""``vidgen`` sub-commands for jobs: submit, estimate, calibrate, queue, jobs (cleanup:
``cli_cleanup``; db and jobs errors: ``cli_joblog``)."""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from vidgen_desktop.cli import args as cli_args
from vidgen_desktop.cli import cleanup as cli_cleanup
from vidgen_desktop.cli import joblog as cli_joblog
from vidgen_desktop.cli import team as cli_team
from vidgen_desktop.cli.args import number, whole_number
from vidgen_desktop.cli.backend import relaying
from vidgen_desktop.cli.team import find as _find  # a farm job: pulled from the team first
from vidgen_desktop.cli.team import pull_open
from vidgen_desktop.errors import VidgenError

THRESHOLD = number(0, cli_args.MAX_THRESHOLD, unit="seconds")
CONCURRENCY = whole_number(1, cli_args.MAX_CONCURRENCY)
STATUSES = ("pending", "queued", "processing", "completed", "failed", "cancelled")
CANCEL_WAIT = 10.0  # seconds `jobs cancel` waits for the render to stop


def _db() -> Any:
    from vidgen_desktop import store

    return store.open_local()


def _service(db: Any, threshold: float | None = None) -> Any:
    from vidgen_desktop.jobs.service import JobService
    from vidgen_desktop.queue import async_queue

    # with a team backend, queued jobs go to the render farm; else they wait here
    queue = async_queue(db)
    if queue is not None:  # its team database engine and pool end with the command
        atexit.register(queue.close)
    return JobService(db, threshold=threshold, queue=queue)


def _load(path: str, output: str | None) -> Any:
    from vidgen_desktop.composition import project
    from vidgen_desktop.render import formats

    comp = project.load(path)
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if suffix in formats.EXTENSIONS and not Path(output or "").is_dir():
        comp.output = comp.output.model_copy(update={"format": suffix})
    return comp


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


# submit, estimate, calibrate, queue -------------------------------------------------


def cmd_submit(args: argparse.Namespace) -> int:
    from vidgen_desktop.cli import ProgressBar

    db = _db()
    service = _service(db, args.threshold)
    comp = _load(args.project, args.output)
    bar = ProgressBar(label="Rendering")
    service.subscribe(lambda event: bar(_progress(event)) if event.kind == "progress" else None)
    try:
        with relaying(db, forever=False):
            answer = service.submit(comp, output=args.output, project_path=args.project)
    finally:
        bar.finish()
    if args.json:
        _print_json(answer.to_response())
    elif answer.response_type == "immediate":
        print(answer.output_path)
    else:
        print(answer.job_id)
        print(f"queued: {answer.reason}", file=sys.stderr)
    return 0


def _progress(event: Any) -> Any:
    from vidgen_desktop.render.runner import Progress

    return Progress(event.progress or 0.0, 0.0, None, event.eta, None, event.progress == 1.0)


def cmd_estimate(args: argparse.Namespace) -> int:
    from vidgen_desktop.cli import accuracy

    db = _db()
    service = _service(db, args.threshold)
    prepared = service.prepare(_load(args.project, None))
    est = prepared.estimate
    decision = service.decide(est.seconds)
    record = accuracy.recent(db.jobs)
    if args.json:
        _print_json(
            {
                "estimate": est.seconds, "route": decision.response_type,
                "queue": decision.route, "threshold": decision.threshold,
                "reason": decision.reason, "encoder": est.encoder, "frames": est.frames,
                "duration": est.duration, "parts": dict(est.parts), "speed": service.speed.source,
                "resolution": est.resolution, "correction": est.factor,
                "accuracy": record.to_dict(),
            }
        )  # fmt: skip
        return 0
    print(f"estimate:  {est.seconds:.1f} s ({est.explain()})")
    print(f"route:     {'render now' if decision.response_type == 'immediate' else 'queue'}")
    print(f"why:       {decision.reason}")
    print(f"speed:     {service.speed.source} (vidgen calibrate measures this machine)")
    print(f"accuracy:  {record.text()}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from vidgen_desktop.jobs import speed as speeds
    from vidgen_desktop.render.calibrate import calibrate

    measured = calibrate(report=lambda line: print(line, file=sys.stderr))
    speeds.save(_db().metrics, measured)
    print(f"calibrated: x264 standard {measured.encode_cost('libx264:standard') * 1000:.1f} ms "
          f"per megapixel-frame, {measured.startup:.2f} s per render")  # fmt: skip
    return 0


def cmd_queue_run(args: argparse.Namespace) -> int:
    import threading

    from vidgen_desktop import cli
    from vidgen_desktop.queue.local import LocalQueue

    db = _db()
    queue = LocalQueue(db, concurrency=args.concurrency)
    closed = threading.Event()  # stdout's reader has gone (`vidgen queue run | head -1`)

    def say(line: str) -> None:
        try:
            print(line, flush=True)
        except BrokenPipeError:  # keep rendering the queue; stop printing, quietly
            cli.silence(sys.stdout)
            closed.set()

    def show(event: Any) -> None:
        if event.kind == "status" and event.status in ("completed", "failed", "cancelled"):
            where = (event.details or {}).get("output") or event.message
            say(f"{event.job_id} {event.status} {where}".rstrip())

    queue.service.subscribe(show)
    recovered = queue.recover()
    for job_id in recovered:
        say(f"{job_id} re-queued: its worker had stopped")
    with relaying(db, forever=args.forever):
        ran = queue.run(forever=args.forever)
    print(f"queue empty: {ran} job(s) run", file=sys.stderr)
    return cli.SIGPIPE_STATUS if closed.is_set() else 0


# jobs -------------------------------------------------------------------------------


def _when(text: str | None, *, end: bool = False) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise VidgenError(f"'{text}' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    try:
        if end and len(text) <= 10:  # a whole day: --until 2024-05-01 includes that day
            value += dt.timedelta(days=1)
        if value.tzinfo is None:
            value = value.astimezone()  # local time, as the user meant it
        return value.astimezone(dt.UTC)
    except (OverflowError, OSError):  # 9999-12-31 + a day; year 1 in a zone east of UTC
        raise VidgenError(f"'{text}' is too far in the past or future to be a date") from None


def cmd_jobs_list(args: argparse.Namespace) -> int:
    from vidgen_desktop.store import JobQuery

    statuses = tuple(s for group in args.status or [] for s in group.split(",") if s)
    for status in statuses:
        if status not in STATUSES:
            raise VidgenError(f"'{status}' is not a job state (one of: {', '.join(STATUSES)})")
    query = JobQuery(
        statuses=statuses, created_from=_when(args.since), created_to=_when(args.until, end=True),
        search=args.search or "", limit=args.limit, offset=args.offset,
        batch_id=cli_args.batch_id(args.batch),
    )  # fmt: skip
    if args.team:
        from vidgen_desktop.cli.team import list_team

        return list_team(query, args.json)
    db = _db()
    pull_open(db)
    jobs = db.jobs.list(query)
    if args.json:
        _print_json({"total": db.jobs.count(query), "jobs": [job.to_dict() for job in jobs]})
        return 0
    for job in jobs:
        est = f"{job.estimated_seconds:.1f}s" if job.estimated_seconds is not None else "-"
        took = f"{job.actual_seconds:.1f}s" if job.actual_seconds is not None else "-"
        created = job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{job.id}  {job.status:<10} {created}  est {est:>7}  took {took:>7}  "
              f"{job.response_type or '-':<9} {job.project_name}")  # fmt: skip
    return 0


def cmd_jobs_show(args: argparse.Namespace) -> int:
    db = _db()
    job = _find(db, args.id)
    steps, errors = db.timeline.steps(job.id), db.errors.list(job_id=job.id)
    if args.json:
        _print_json({**job.to_dict(), "timeline": [step.to_dict() for step in steps],
                     "errors": [row.to_dict() for row in errors],
                     "audit": [row.to_dict() for row in db.audit.trail(job.id)]})  # fmt: skip
        return 0
    fields = (
        "id", "status", "project_name", "progress", "current_step", "response_type", "route",
        "route_reason", "estimated_seconds", "actual_seconds", "threshold_seconds",
        "output_path", "output_url", "error_code", "error_message", "attempts", "max_attempts",
        "created_at", "queued_at", "started_at", "completed_at", "host", "worker_pid",
        "batch_id", "batch_row",
    )  # fmt: skip
    data = job.to_dict()
    for name in fields:
        if data.get(name) is not None:
            print(f"{name:<18} {data[name]}")
    if job.made_with:  # what rendered it (media.build_info): for `jobs reproduce`
        made = job.made_with
        print(f"{'made_with':<18} vidgen {made.get('vidgen')}, FFmpeg {made.get('ffmpeg')} "
              f"({len(made.get('encoders') or ())} encoders)")  # fmt: skip
    print("timeline:")
    for step in steps:
        took = f"{step.duration_seconds:.2f}s" if step.duration_seconds is not None else "…"
        extra = step.error_message or (step.details or {}).get("message", "")
        used = f"  cpu {step.cpu_percent:.0f}%" if step.cpu_percent is not None else ""
        used += f" mem {step.memory_mb:.0f} MB" if step.memory_mb is not None else ""
        print(f"  {step.started_at.astimezone():%H:%M:%S}  {step.step:<10} {step.status:<9} "
              f"{took:>8}{used}  {extra}".rstrip())  # fmt: skip
    if errors:
        print("errors:")
    for row in errors:
        print(f"  try {row.attempt}  {row.error_code} ({row.error_class}): {row.strategy}"
              f"{f' after {row.retry_after_seconds:.0f} s' if row.retry_after_seconds else ''}"
              f"  {row.message}")  # fmt: skip
    cli_team.print_shares(db, job.id)
    return 0


def cmd_jobs_cancel(args: argparse.Namespace) -> int:
    import time

    db = _db()
    job = _find(db, args.id)
    _service(db).cancel(job.id)
    deadline = time.monotonic() + CANCEL_WAIT
    while db.timeline.running(job.id) is not None and time.monotonic() < deadline:
        time.sleep(0.1)  # the process rendering it stops FFmpeg and closes the step
    print(f"{job.id} cancelled")
    return 0


def cmd_jobs_retry(args: argparse.Namespace) -> int:
    db = _db()
    job = _service(db).retry(_find(db, args.id).id)
    if job.route == "remote":
        print(f"{job.id} queued again on the render farm (vidgen jobs watch {job.id.hex[:8]})")
    else:
        print(f"{job.id} queued again (run `vidgen queue run` if no queue is running)")
    return 0


def cmd_jobs_delete(args: argparse.Namespace) -> int:
    db = _db()
    job = _find(db, args.id)
    _service(db).delete(job.id, remove_output=args.remove_output)
    print(f"{job.id} deleted")
    return 0


def cmd_jobs_export(args: argparse.Namespace) -> int:
    from vidgen_desktop.store import JobQuery

    db = _db()
    pull_open(db)
    batch = cli_args.batch_id(args.batch)
    query = JobQuery(limit=None, descending=False, batch_id=batch) if batch else None
    count = db.export(
        args.output or sys.stdout, args.format, query=query, include_timeline=args.timeline
    )
    if args.output:
        print(f"{count} job(s) written to {args.output}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the job commands to the ``vidgen`` parser."""
    p = sub.add_parser("submit", help="render now if short, else queue it (prints path or job id)")
    p.add_argument("project")
    p.add_argument("-o", "--output", help="output file or folder")
    p.add_argument("--threshold", type=THRESHOLD, metavar="SECONDS", help="render now up to this")
    p.add_argument("--json", action="store_true", help="print the seed API's response")
    p.set_defaults(handler=cmd_submit)

    p = sub.add_parser("estimate", help="estimate a project's render time, and its route")
    p.add_argument("project")
    p.add_argument("--threshold", type=THRESHOLD, metavar="SECONDS")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_estimate)

    p = sub.add_parser("calibrate", help="measure this machine's render speed (a few seconds)")
    p.set_defaults(handler=cmd_calibrate)

    queue = sub.add_parser("queue", help="the embedded render queue").add_subparsers(
        dest="queue_command", metavar="COMMAND", required=True
    )
    p = queue.add_parser("run", help="render queued jobs until none is left (or --forever)")
    p.add_argument("--forever", action="store_true")
    p.add_argument(
        "--concurrency", type=CONCURRENCY, metavar="N", help="renders at once (default 1)"
    )
    p.set_defaults(handler=cmd_queue_run)

    jobs = sub.add_parser("jobs", help="the job history").add_subparsers(
        dest="jobs_command", metavar="COMMAND", required=True
    )
    p = jobs.add_parser("list", help="list jobs, newest first")
    p.add_argument("--status", action="append", help="only these states (repeat or comma-list)")
    p.add_argument("--since", metavar="DATE", help="created on or after (YYYY-MM-DD[THH:MM])")
    p.add_argument("--until", metavar="DATE", help="created before the end of (YYYY-MM-DD…)")
    p.add_argument("--search", metavar="TEXT", help="in project name, error or id")
    p.add_argument("--batch", metavar="ID", help="only the jobs of this batch")
    p.add_argument("--limit", type=whole_number(1, cli_args.MAX_LIST_ROWS), default=50)
    p.add_argument("--offset", type=whole_number(0, cli_args.MAX_OFFSET), default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--team",
        action="store_true",
        help="the team database's jobs (yours, or the team's where allowed)",
    )
    p.set_defaults(handler=cmd_jobs_list)
    p = jobs.add_parser("show", help="one job with its timeline")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_jobs_show)
    for name, handler, text in (
        ("cancel", cmd_jobs_cancel, "cancel a waiting or running job"),
        ("retry", cmd_jobs_retry, "queue a failed or cancelled job again"),
        ("delete", cmd_jobs_delete, "remove a job from the history"),
    ):
        p = jobs.add_parser(name, help=text)
        p.add_argument("id")
        if name == "delete":
            p.add_argument("--remove-output", action="store_true", help="delete its video too")
        p.set_defaults(handler=handler)
    from vidgen_desktop.cli import watch as cli_watch

    cli_watch.register(jobs)
    p = jobs.add_parser("export", help="all jobs as CSV or JSON")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    p.add_argument("--timeline", action="store_true", help="include each job's timeline")
    p.add_argument("--batch", metavar="ID", help="only the jobs of this batch")
    p.set_defaults(handler=cmd_jobs_export)
    __import__("vidgen_desktop.cli.reproduce", fromlist=["register"]).register(jobs)

    cli_joblog.register_errors(jobs)
    cli_joblog.register_db(sub)
    cli_cleanup.register(sub)
    cli_team.register(sub)
