"""``vidgen`` sub-commands for jobs: submit, estimate, calibrate, queue, jobs, db, cleanup."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the job commands to the ``vidgen`` parser (filled in by the job-queue work)."""
