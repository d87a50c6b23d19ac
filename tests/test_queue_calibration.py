"""The first calibration, in the background: a real low-priority process, a real job log."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest

import jobkit
from vidgen_desktop import paths
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.queue import calibration
from vidgen_desktop.render import calibrate

pytestmark = pytest.mark.render


@pytest.fixture
def turned_on(monkeypatch):
    monkeypatch.setenv(calibration.ENV, "1")


def test_first_start_calibrates_once_at_the_lowest_priority_and_stores_it(db, turned_on):
    done = threading.Event()
    process = calibration.start_if_needed(db, done.set, argv=("--even-if-busy",))
    assert process is not None
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == calibration.NICENESS
    assert done.wait(120) and process.returncode == 0
    stored = speeds.load(db.metrics)
    assert stored.source == "calibrated" and stored.startup > 0
    assert calibration.start_if_needed(db) is None  # measured: not again on the next start


def test_nothing_is_started_when_turned_off_or_already_measured(db, monkeypatch):
    assert calibration.start_if_needed(db) is None  # the tests' default: off
    monkeypatch.setenv(calibration.ENV, "1")
    speeds.save(db.metrics, speeds.load(db.metrics).evolve(source="calibrated"))
    assert calibration.start_if_needed(db) is None


def test_a_second_process_leaves_it_to_the_one_holding_the_lock(db, turned_on):
    fd = os.open(paths.data_dir() / calibration.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert calibration.run(even_if_busy=True) == "locked"
    finally:
        os.close(fd)
    assert not speeds.calibrated(db.metrics)


def test_a_render_under_way_keeps_it_from_measuring(db, home, turned_on):
    job = db.jobs.create(jobkit.composition(jobkit.clip(home)), status=JobStatus.QUEUED)
    db.jobs.transition(job.id, JobStatus.PROCESSING)
    assert calibration.run(even_if_busy=True) == "busy"
    assert not speeds.calibrated(db.metrics)


def test_a_calibration_told_to_stop_stops_between_runs_with_no_result():
    calls = []
    with pytest.raises(calibrate.Cancelled):
        calibrate.calibrate(should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3  # two runs made, the third never started
