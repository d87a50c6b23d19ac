"""Resource figures (issue 19): CPU time and peak memory of FFmpeg's process tree, per step
that runs FFmpeg (probe, render), in processing_timeline (cpu_percent no longer NULL) and
its details."""

from __future__ import annotations

import os

import pytest

import jobkit
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.render.runner import sample_tree

pytestmark = pytest.mark.render


def test_a_render_step_records_what_ffmpeg_used(db, home):
    comp = jobkit.composition(jobkit.clip(home, 2.0, (160, 90)), seconds=2.0, size=(160, 90))
    answer = JobService(db, threshold=30).submit(comp, output=home / "out" / "r.mp4")
    assert answer.status == "completed"
    render = next(s for s in db.timeline.steps(answer.job_id) if s.step == "render")
    details = render.details
    assert details["cpu_seconds"] > 0.01  # FFmpeg did encode something
    assert details["cpu_seconds"] < 4 * details["ffmpeg_seconds"] + 1  # at most ~ the cores
    assert 5 < details["peak_memory_mb"] < 2000  # an FFmpeg's resident size, in MB
    # the average over FFmpeg's own run (the step also moves and checks the file)
    assert 100 * details["cpu_seconds"] / details["ffmpeg_seconds"] <= render.cpu_percent
    assert 0 < render.cpu_percent <= 100 * (os.cpu_count() or 1) + 10
    assert render.memory_mb == pytest.approx(details["peak_memory_mb"], abs=0.1)
    probe = next(s for s in db.timeline.steps(answer.job_id) if s.step == "probe")
    assert probe.details["cpu_seconds"] > 0  # `ffmpeg -i` of the clip: the sum of its runs
    assert 0 < probe.cpu_percent <= 100 * (os.cpu_count() or 1) + 10
    assert 5 < probe.memory_mb < 2000
    assert probe.memory_mb == pytest.approx(probe.details["peak_memory_mb"], abs=0.1)
    others = [s for s in db.timeline.steps(answer.job_id) if s.step not in ("probe", "render")]
    assert others and all(s.cpu_percent is None for s in others)  # no FFmpeg ran there


def test_sampling_reads_this_process_from_proc():
    cpu, rss = sample_tree(os.getpid())
    assert cpu > 0 and 10 < rss < 8000
    assert sample_tree(2**22 + 12345) is None  # no such process
