"""Partial files of renders killed with ``kill -9``: the next render of the target and
``vidgen cleanup`` remove them; a live render's partial is never touched.

Real ``vidgen render`` subprocesses, killed with a real SIGKILL; their FFmpeg dies with
them (parent-death signal), and only then does the partial count as stale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import jobkit
from vidgen_desktop.render import partials

pytestmark = pytest.mark.render


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "VIDGEN_HOME": str(home)},
    )  # fmt: skip


def killed_render(home: Path, target: Path) -> Path:
    """Start a long `vidgen render` of ``target``, kill -9 it mid-render; its partial."""
    project = jobkit.save(
        jobkit.slow_composition(home, name="long", seconds=30), home / "long.json"
    )
    process = jobkit.vidgen(home, "render", str(project), "-o", str(target))
    try:
        found = jobkit.wait_for(
            lambda: [p for p in jobkit.partials(target.parent) if p.stat().st_size > 0], 60
        )
        ffmpeg = jobkit.wait_for(lambda: jobkit.children(process.pid), 10)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        jobkit.wait_for(lambda: not any(jobkit.alive(pid) for pid in ffmpeg), 10)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert not target.exists()
    (partial,) = found
    assert partial.exists()  # nobody could remove it: this is what piled up
    return partial


def short_project(home: Path) -> Path:
    clip = jobkit.clip(home)
    return jobkit.save(jobkit.composition(clip, name="short", seconds=0.5), home / "short.json")


def test_a_render_of_the_same_target_removes_the_killed_renders_partial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "promo.mp4"
    stale = killed_render(tmp_path, target)
    other_target = out / ".other.partial-0123abcd.mp4"  # another target's: not this render's
    other_target.write_bytes(b"x")
    live_path, live_fd = partials.create(target)  # a render of the same target, still running
    try:
        result = run(tmp_path, "render", str(short_project(tmp_path)), "-o", str(target))
        assert result.returncode == 0, result.stderr
        assert not stale.exists()
        assert live_path.exists() and other_target.exists()
        assert target.is_file()
    finally:
        os.close(live_fd)


def test_cleanup_lists_and_removes_killed_renders_partials_and_only_those(
    tmp_path: Path,
) -> None:
    out = tmp_path / "my renders"  # a folder only the killed render knew about
    out.mkdir()
    target = out / "promo.mp4"
    stale = killed_render(tmp_path, target)
    live_path, live_fd = partials.create(out / "other.mp4")  # a render still writing
    keep = [out / ".hidden.mp4", out / "notes.partial-0123abcd.mp4", out / "promo.mp4.txt"]
    for path in keep:
        path.write_bytes(b"mine")
    try:
        listed = run(tmp_path, "cleanup", "--dry-run")
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines() == [
            f"would delete {stale}: a partial render whose writer has stopped",
            "would delete 1 stale partial file(s)",
        ]
        assert stale.exists()
        cleaned = run(tmp_path, "cleanup")
        assert cleaned.stdout.splitlines() == [
            f"deleted {stale}: a partial render whose writer has stopped",
            "deleted 1 stale partial file(s)",
        ]
        assert not stale.exists()
        assert live_path.exists() and all(path.exists() for path in keep)
        assert run(tmp_path, "cleanup").stdout == "deleted 0 stale partial file(s)\n"
    finally:
        os.close(live_fd)
    again = run(tmp_path, "cleanup")  # the writer has gone now: its partial is stale too
    assert again.stdout.splitlines()[-1] == "deleted 1 stale partial file(s)"
    assert not live_path.exists()


def test_cleanup_with_older_than_also_deletes_old_jobs(tmp_path: Path) -> None:
    result = run(tmp_path, "cleanup", "--older-than", "30", "--dry-run")
    assert result.stdout.splitlines() == [
        "would delete 0 job(s)",
        "would delete 0 stale partial file(s)",
    ]


def test_a_partial_whose_lock_is_held_by_ffmpeg_alone_is_live(tmp_path: Path) -> None:
    """The lock is shared with the FFmpeg child: if the parent dies and FFmpeg does not
    (no parent-death signal outside Linux), the partial is still being written."""
    path, fd = partials.create(tmp_path / "promo.mp4")
    child = subprocess.Popen(["sleep", "30"], pass_fds=(fd,))
    os.close(fd)  # the parent is gone; the child still holds the descriptor
    try:
        assert partials.stale_in(tmp_path) == []
        assert path.exists()
    finally:
        child.kill()
        child.wait()
    assert partials.stale_in(tmp_path) == [path]
    assert not path.exists()
