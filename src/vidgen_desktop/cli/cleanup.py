"""``vidgen cleanup``: partial files of killed renders, and old finished jobs."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from vidgen_desktop.cli import args as cli_args
from vidgen_desktop.cli.args import number
from vidgen_desktop.errors import display_name


def cmd_cleanup(args: argparse.Namespace) -> int:
    from vidgen_desktop import store
    from vidgen_desktop.cli.team import pull_open

    if args.retention or args.remote:
        return _retention(args)
    db = store.open_local()
    pull_open(db)  # farm jobs as the team has them: a finished one's file is here
    verb = "would delete" if args.dry_run else "deleted"
    if args.older_than is not None:
        result = db.jobs.cleanup(dt.timedelta(days=args.older_than), dry_run=args.dry_run)
        removed = 0
        for path in result.output_paths:
            if not args.dry_run and path.is_file():
                path.unlink()
                removed += 1
            elif args.dry_run:
                print(f"would delete {path}")
        files = "" if args.dry_run else f", {removed} file(s)"
        print(f"{verb} {len(result.job_ids)} job(s){files}")
    stale = _stale_partials(db, dry_run=args.dry_run)
    for path in stale:
        print(f"{verb} {display_name(path, full=True)}: a partial render whose writer has stopped")
    print(f"{verb} {len(stale)} stale partial file(s)")
    return 0


def _retention(args: argparse.Namespace) -> int:
    """The retention settings, applied now to the local log or (--remote) the team database."""
    from vidgen_desktop import config, store
    from vidgen_desktop.store import retention

    policy = retention.Policy.from_settings(config.load())
    stored = None
    if args.remote:
        from vidgen_desktop.cli.joblog import _remote_url
        from vidgen_desktop.queue.farm_retention import TeamOutputs
        from vidgen_desktop.store.team import database as team_db

        db = store.open_url(team_db.sqlalchemy_url(_remote_url()))
        stored = TeamOutputs(db)  # the farm's renders in the team storage go with their jobs
    else:
        db = store.open_local()
    with db:
        report = retention.apply(db, policy, dry_run=args.dry_run, stored=stored)
    for line in report.lines():
        print(line)
    return 0


def _stale_partials(db: Any, *, dry_run: bool) -> list[Path]:
    """Partials of killed renders in every output folder Vidgen knows: the settings' one,
    those renders on this machine wrote to, and those of the jobs in the log."""
    from vidgen_desktop import config
    from vidgen_desktop.render import partials
    from vidgen_desktop.store import JobQuery

    folders = {config.load().output_dir(), *partials.known_folders()}
    for job in db.jobs.list(JobQuery(limit=None)):
        if job.output_path and "://" not in job.output_path:
            folders.add(Path(job.output_path).parent)
    unique = sorted({folder.resolve() for folder in folders})
    return [path for folder in unique for path in partials.stale_in(folder, dry_run=dry_run)]


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vidgen cleanup`` to the ``vidgen`` parser."""
    p = sub.add_parser(
        "cleanup", help="delete partial files of killed renders, and finished jobs older than DAYS"
    )
    p.add_argument(
        "--older-than",
        type=number(0, cli_args.MAX_DAYS, unit="days"),
        metavar="DAYS",
        help="also delete finished jobs (and their videos) older than this",
    )
    p.add_argument(
        "--retention", action="store_true",
        help="apply the retention settings now (the editor does it on start and daily)",
    )  # fmt: skip
    p.add_argument(
        "--remote", action="store_true",
        help="apply the retention settings to the team database (its --retention worker does)",
    )  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    p.set_defaults(handler=cmd_cleanup)
