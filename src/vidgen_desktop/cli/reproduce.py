"""``vidgen jobs reproduce JOB [-o OUT] [--search DIR]``: a past job as a project again.

The project is rebuilt from the job's stored composition, each local source
found by the content hash the job kept (``media.relink``); what is missing is
named on stderr and the status is 1, but the project is written all the same
(the element keeps its old path, to relink in the editor). A note says when
the Vidgen or FFmpeg here is not the one that rendered the job.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any


def default_name(job: Any) -> str:
    stem = re.sub(r"[^\w.-]+", "-", job.project_name or "job").strip("-.") or "job"
    return f"{stem}-{str(job.id)[:8]}.vidgen.json"


def cmd_jobs_reproduce(args: argparse.Namespace) -> int:
    from vidgen_desktop.cli.jobs import _db, _find
    from vidgen_desktop.composition import project
    from vidgen_desktop.media import build_info, relink

    db = _db()
    job = _find(db, args.id)
    target = Path(args.output) if args.output else Path.cwd() / default_name(job)
    if target.is_dir():
        target = target / default_name(job)
    folders = [Path(folder) for folder in args.search] + [target.parent]
    rebuilt = relink.rebuild_job(db.jobs, job, folders)
    project.save(rebuilt.composition, target)
    print(target)
    for element_id, (old, new) in rebuilt.moved.items():
        print(f"vidgen: element '{element_id}': {old} is now found at {new}", file=sys.stderr)
    for line in rebuilt.problems():
        print(f"vidgen: {line}", file=sys.stderr)
    for change in relink.differences(job.made_with, build_info.made_with()):
        print(f"vidgen: note: {change}; the pixels may differ", file=sys.stderr)
    return 1 if rebuilt.missing else 0


def register(jobs: argparse._SubParsersAction) -> None:
    p = jobs.add_parser("reproduce", help="rebuild a job's project, finding its media by content")
    p.add_argument("id", help="a job id (or a unique start of one)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="project file or folder (default: NAME-ID.vidgen.json here)")  # fmt: skip
    p.add_argument("--search", action="append", default=[], metavar="DIR",
                   help="also look for moved media in DIR (any number of times)")  # fmt: skip
    p.set_defaults(handler=cmd_jobs_reproduce)
