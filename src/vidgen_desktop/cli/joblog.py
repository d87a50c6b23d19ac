"""``vidgen db …`` (the local job log, or with ``--remote`` the team database) and
``vidgen jobs errors``: the job log's own upkeep and its error log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from vidgen_desktop.cli import args as cli_args
from vidgen_desktop.cli.args import whole_number


def _remote_url() -> str:
    from vidgen_desktop.cli.backend import _remote_url as configured

    return configured()


# db ---------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    if getattr(args, "remote", False):
        return _remote(args)
    from vidgen_desktop import store

    db = store.open_local(migrate_now=False)
    if args.db_command == "upgrade":
        print(f"schema at {db.upgrade()}")
    elif args.db_command == "check":
        from vidgen_desktop.store import schemacheck

        report = db.check()
        print(f"schema {report.revision} (newest {report.head})")
        objects = schemacheck.check(db.engine)
        _print_objects(objects, args)
        problems = [*report.problems, *(line for line in objects.lines(all_items=False))]
        for problem in report.problems:
            print(f"problem: {problem}")
        print("ok" if not problems else "NOT ok")
        return 0 if not problems else 1
    elif args.db_command == "backup":
        print(db.backup(args.file))
    else:
        previous = db.restore(args.file)
        print(f"restored {args.file}; the previous job log is kept as {previous}")
    return 0


def _print_objects(report: Any, args: argparse.Namespace) -> None:
    for line in report.lines(all_items=not args.problems_only):
        print(line)
    missing = len(report.problems)
    print(f"{len(report.items)} object(s) expected, {missing} missing or different")


def _remote(args: argparse.Namespace) -> int:
    from vidgen_desktop.store.team import backup
    from vidgen_desktop.store.team import database as team_db

    url = _remote_url()
    where = team_db.describe(url)
    if args.db_command == "upgrade":
        print(f"{where}: schema at {team_db.upgrade(url)}")
    elif args.db_command == "check":
        from vidgen_desktop.store import schemacheck

        with team_db.one_shot(url) as engine:
            report = schemacheck.check(engine)
        print(f"{where}: schema {report.revision} (newest {report.head})")
        _print_objects(report, args)
        print("ok" if report.ok else "NOT ok")
        return 0 if report.ok else 1
    elif args.db_command == "backup":
        print(backup.dump(url, Path(args.file), pg_dump=args.pg_dump))
    else:
        previous = backup.restore(
            url, Path(args.file), pg_dump=args.pg_dump, pg_restore=args.pg_restore
        )
        print(f"restored {args.file} into {where}; the team database as it was is kept "
              f"as {previous}")  # fmt: skip
    return 0


# jobs errors ------------------------------------------------------------------------


def cmd_jobs_errors(args: argparse.Namespace) -> int:
    from vidgen_desktop import store
    from vidgen_desktop.cli.jobs import _find, _when

    db = store.open_local()
    job_id = _find(db, args.job).id if args.job else None
    rows = db.errors.list(job_id=job_id, since=_when(args.since), code=args.code,
                          limit=args.limit)  # fmt: skip
    if args.json:
        print(json.dumps([row.to_dict() for row in rows], ensure_ascii=False))
        return 0
    for row in rows:
        when = row.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        wait = f" after {row.retry_after_seconds:.0f} s" if row.retry_after_seconds else ""
        print(f"{when}  {row.job_id}  try {row.attempt}  {row.step or '-':<10} "
              f"{row.error_code:<16} {row.error_class:<9} {row.severity:<8} "
              f"{row.strategy}{wait}  {row.message}")  # fmt: skip
    if not rows:
        print("no errors logged" + (f" with code '{args.code}'" if args.code else ""))
    return 0


def register_errors(jobs: argparse._SubParsersAction) -> None:
    p = jobs.add_parser("errors", help="the error log: each failed attempt and what was done")
    p.add_argument("job", nargs="?", help="only this job (its id or a unique start of it)")
    p.add_argument("--since", metavar="DATE", help="logged on or after (YYYY-MM-DD[THH:MM])")
    p.add_argument("--code", metavar="CODE", help="only this error code (render, timeout…)")
    p.add_argument("--limit", type=whole_number(1, cli_args.MAX_LIST_ROWS), default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_jobs_errors)


def register_db(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the local job database (--remote: the team's)").add_subparsers(
        dest="db_command", metavar="COMMAND", required=True
    )
    remote = {"action": "store_true", "help": "the team database (backend settings)"}
    p = db.add_parser("upgrade", help="bring the schema up to date")
    p.add_argument("--remote", **remote)
    p.set_defaults(handler=cmd_db)
    p = db.add_parser("check", help="integrity, and every table, column, index, view, trigger")
    p.add_argument("--remote", **remote)
    p.add_argument("--problems-only", action="store_true", help="list only what is wrong")
    p.set_defaults(handler=cmd_db)
    for name, text in (("backup", "copy the job log to FILE"), ("restore", "replace it by FILE")):
        p = db.add_parser(name, help=text)
        p.add_argument("file")
        p.add_argument("--remote", **remote)
        p.add_argument("--pg-dump", metavar="PATH", help="the pg_dump to run (--remote)")
        if name == "restore":
            p.add_argument("--pg-restore", metavar="PATH", help="the pg_restore to run (--remote)")
        p.set_defaults(handler=cmd_db)
