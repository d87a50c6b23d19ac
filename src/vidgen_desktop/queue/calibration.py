"""The first calibration of this machine, in the background, when the queue first starts.

``start_if_needed`` (the editor's queue, on opening the job log) does nothing
on a machine whose speed was already measured; otherwise it starts this
module as its own process (``python -m vidgen_desktop.queue.calibration``)
at the lowest priority (``os.nice``), so the editor's thread and every render
go first. That process:

- takes an exclusive lock (``calibrate.lock`` in the data folder): a second
  editor or queue started meanwhile finds it held and leaves the work to it;
- gives up (to try again on the next start) when the machine is already busy
  (load above one per core), and stops between two runs, storing nothing, as
  soon as a render is under way in the job log: it must neither slow a render
  nor measure a machine a render is slowing;
- makes a short calibration (``BUDGET``) and stores it in one transaction
  (``jobs.speed.save``), unless a calibration was stored meanwhile.

Set ``VIDGEN_BACKGROUND_CALIBRATION=0`` to turn it off (the tests do).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from vidgen_desktop import paths
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import JobQuery

log = logging.getLogger(__name__)

ENV = "VIDGEN_BACKGROUND_CALIBRATION"
LOCK_NAME = "calibrate.lock"
NICENESS = 19  # the lowest priority
BUDGET = 6.0  # s: past this no second copy of a run is made (``render.calibrate``)
BUSY_LOAD = 1.0  # load average per core above which the machine is too busy to measure


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "no", "false", "off")


def start_if_needed(
    db: Any, on_done: Callable[[], None] | None = None, *, argv: tuple[str, ...] = ()
) -> subprocess.Popen | None:
    """Start the background calibration if this machine was never measured; the process,
    or None. ``on_done()`` is called (in a watcher thread) once it has ended, so that
    the caller reads the stored speed again. Never raises: without a calibration the
    estimate uses its defaults."""
    try:
        if not enabled() or speeds.calibrated(db.metrics):
            return None
        process = subprocess.Popen(
            [sys.executable, "-m", "vidgen_desktop.queue.calibration", *argv],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_lowest_priority, start_new_session=True,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - a convenience: the editor must start regardless
        log.warning("the background calibration could not be started", exc_info=True)
        return None
    if on_done is not None:
        threading.Thread(
            target=lambda: (process.wait(), on_done()), name="vidgen-calibration", daemon=True
        ).start()
    return process


def stop(process: subprocess.Popen | None) -> None:
    """End a background calibration still running (its renders too): nothing is stored."""
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, signal.SIGTERM)  # its own session: it and its FFmpeg


def _lowest_priority() -> None:
    os.nice(NICENESS)


def _locked() -> int | None:
    """The lock's descriptor (held while it is open); None if another process has it."""
    fd = os.open(paths.data_dir() / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def busy() -> bool:
    return os.getloadavg()[0] > BUSY_LOAD * (os.cpu_count() or 1)


def rendering(db: Any) -> bool:
    return db.jobs.count(JobQuery(statuses=(JobStatus.PROCESSING,))) > 0


def run(*, even_if_busy: bool = False) -> str:
    """Calibrate and store, in this process; what happened, in a word."""
    lock = _locked()
    if lock is None:
        return "locked"
    try:
        return _measure_and_store(even_if_busy)
    finally:
        os.close(lock)


def _measure_and_store(even_if_busy: bool) -> str:
    from vidgen_desktop.render import calibrate
    from vidgen_desktop.store import open_local

    with open_local() as db:
        if speeds.calibrated(db.metrics):
            return "done before"
        if rendering(db) or (not even_if_busy and busy()):
            return "busy"
        try:
            measured = calibrate.calibrate(should_stop=lambda: rendering(db), budget=BUDGET)
        except calibrate.Cancelled:
            return "stopped"
        if speeds.load(db.metrics).source == "calibrated":  # ``vidgen calibrate`` meanwhile
            return "done before"
        speeds.save(db.metrics, measured)
    return "calibrated"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--even-if-busy", action="store_true", help="whatever the load average")
    args = parser.parse_args(argv)
    if os.nice(0) < NICENESS:  # started by hand: as low as start_if_needed starts it
        os.nice(NICENESS - os.nice(0))
    print(run(even_if_busy=args.even_if_busy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
