"""``vidgen share JOB``, ``vidgen jobs list --team``, and the one look-up of a job for commands.

``find`` names a job by its id or a unique start of it; a farm job is brought
up to date from the team database first (one pull, by id) and its render
downloaded into the output folder once finished (``queue.farm_outputs``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError

CLIENT = "vidgen-cli"


def find(db: Any, text: str, *, fresh: bool = True) -> Any:
    """A job by its id or a unique start of it; a farm job pulled from the team first."""
    from vidgen_desktop.store import JobQuery

    try:
        job = db.jobs.get(uuid.UUID(text))
    except ValueError:
        key = text.lower().replace("-", "")
        if len(key) < 4:
            raise VidgenError(
                f"'{text}' is too short to name a job: give at least 4 characters"
            ) from None
        found = [
            j for j in db.jobs.list(JobQuery(search=key, limit=50)) if j.id.hex.startswith(key)
        ]
        if len(found) != 1:
            raise VidgenError(
                f"{'no' if not found else 'more than one'} job id starts with '{text}'"
            ) from None
        job = found[0]
    if fresh:
        from vidgen_desktop.queue import farm_outputs

        job = farm_outputs.refresh(db, job)
    return job


def expires_text(when: dt.datetime | None) -> str:
    if when is None:
        return "never (public)"
    return when.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def print_shares(db: Any, job_id: Any) -> None:
    """Every link made to the job, with its expiry (the log keeps them without signatures)."""
    made = [r for r in db.storage_log.links(job_id) if r.action == "created"]
    if made:
        print("shares:")
    for record in made:
        state = ""
        if record.expires_at is not None and record.expires_at < dt.datetime.now(dt.UTC):
            state = " (expired)"
        print(f"  {record.accessed_at.astimezone():%Y-%m-%d %H:%M}  expires "
              f"{expires_text(record.expires_at)}{state}  {record.url}")  # fmt: skip


def pull_open(db: Any) -> None:
    """With a team database: the farm jobs' rows brought up to date before they are listed."""
    if not config.database_url():
        return
    from vidgen_desktop.queue import farm, farm_outputs
    from vidgen_desktop.store.team import mirror

    try:
        remote = farm.open_team()
        try:
            mirror.pull(db, remote)
        finally:
            remote.close()
        farm_outputs.fetch_new(db)
    except Exception as exc:  # noqa: BLE001 - the local log is still worth listing
        print(f"vidgen: the team database was not asked ({exc}); farm jobs may be stale",
              file=sys.stderr)  # fmt: skip


def cmd_share(args: argparse.Namespace) -> int:
    from vidgen_desktop import storage, store
    from vidgen_desktop.storage import share

    if args.id == "revoke":  # `vidgen share revoke LINK`: a link `vidgen serve` made (/s/...)
        return _revoke(args.link)

    try:
        expiry = share.expiry(args.expires)
    except ValueError as exc:
        raise VidgenError(str(exc)) from None
    db = store.open_local()
    job = find(db, args.id)
    if str(job.status) != "completed":
        raise VidgenError(f"job {job.id} is {job.status}: only a finished render can be shared")
    target = storage.from_settings(config.load(), recorder=db.storage_log.recorder(job.id))
    shared = share.share_output(
        target, job_id=job.id, output_path=job.output_path, output_url=job.output_url,
        expiry=expiry, client=CLIENT,
    )  # fmt: skip
    expires = shared.link.expires_at
    if args.json:
        print(json.dumps({"job_id": str(job.id), "url": shared.link.url, "mode": shared.link.mode,
                          "expires_at": expires.isoformat() if expires else None,
                          "uploaded": shared.uploaded}))  # fmt: skip
    else:
        print(shared.link.url)
        print(f"expires {expires_text(expires)}"
              f"{'' if shared.uploaded else ' (already in the team storage: nothing sent)'}",
              file=sys.stderr)  # fmt: skip
    return 0


def _revoke(text: str | None) -> int:
    from vidgen_desktop import store
    from vidgen_desktop.store.tracked_links import TrackedLinks, UnknownLink

    if not text:
        raise VidgenError("vidgen share revoke needs the link (its URL, or its id)")
    links = TrackedLinks(store.open_local())
    try:
        link = links.revoke(links.find(text).id)
    except UnknownLink as exc:
        raise VidgenError(str(exc)) from None
    print(f"revoked share link {link.id} of job {link.job_id}: it answers 410 from now on")
    return 0


def list_team(query: Any, as_json: bool) -> int:
    """``vidgen jobs list --team``: the team database's jobs (what row level security shows)."""
    from vidgen_desktop.queue import farm

    try:
        remote = farm.open_team()
    except farm.QueueUnavailable as exc:
        raise VidgenError(str(exc)) from None
    try:
        jobs = remote.jobs.list(query)
        if as_json:
            print(json.dumps({"total": remote.jobs.count(query),
                              "jobs": [job.to_dict() for job in jobs]}, default=str))  # fmt: skip
            return 0
        for job in jobs:
            created = job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            who = job.user_name or job.host or "-"
            print(f"{job.id}  {job.status:<10} {created}  {job.progress * 100:5.1f}%  "
                  f"{job.current_step or '-':<16} {who:<16} {job.project_name}")  # fmt: skip
    finally:
        remote.close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from vidgen_desktop.storage import share

    p = sub.add_parser("share", help="a link to a finished render, through the team storage")
    p.add_argument("id", help="the job id (or a unique start of it); or `revoke LINK`")
    p.add_argument("link", nargs="?", help="with revoke: the /s/ link (its URL or id)")
    p.add_argument(
        "--expires", default=share.DEFAULT, choices=[e.code for e in share.EXPIRIES],
        help="how long the link works (public: only where the bucket is public)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_share)
