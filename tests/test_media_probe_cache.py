"""Probes kept across commands, and a render checked from what FFmpeg reported.

Real `vidgen` subprocesses. The FFmpeg they run (VIDGEN_FFMPEG) is the real one
behind a script that notes each run's arguments, so a test can see which runs a
command made: a probe (``-i FILE`` and the damage check) or the render itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from mediakit import decode_frames
from vidgen_desktop.errors import RenderError
from vidgen_desktop.media import ffmpeg, probe_cache
from vidgen_desktop.media.samples import make_test_video

pytestmark = pytest.mark.render


@pytest.fixture
def counted(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose FFmpeg logs its runs, and the log."""
    log = tmp_path / "ffmpeg-runs.txt"
    wrapper = tmp_path / "bin" / "ffmpeg"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{imageio_ffmpeg.get_ffmpeg_exe()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    env = {**os.environ, "VIDGEN_HOME": str(tmp_path / "home"), ffmpeg.ENV_VAR: str(wrapper)}
    return env, log


def runs(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def vidgen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "vidgen_desktop", *args],
                            capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def test_a_file_is_probed_once_until_it_changes(tmp_path, counted):
    env, log = counted
    clip = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1, audio=True)
    first = json.loads(vidgen(env, "probe", str(clip), "--json").stdout)
    assert any(str(clip) in line for line in runs(log))  # really probed
    again = json.loads(vidgen(env, "probe", str(clip), "--json").stdout)
    assert again == first and runs(log) == []  # the next command reads what was kept
    assert first["frame_count"] == 30
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    vidgen(env, "probe", str(clip), "--json")
    assert runs(log)  # modified (a new mtime): probed again


def test_a_damaged_or_foreign_cache_file_is_a_miss(tmp_path, counted):
    env, log = counted
    clip = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1)
    first = vidgen(env, "probe", str(clip), "--json").stdout
    runs(log)
    entries = list((tmp_path / "home" / "cache" / probe_cache.FOLDER).glob("*.json"))
    assert len(entries) == 1
    for garbage in (b"", b"{not json", b'{"key": 1, "info": []}', entries[0].read_bytes()[:40]):
        entries[0].write_bytes(garbage)
        assert vidgen(env, "probe", str(clip), "--json").stdout == first
        assert runs(log)  # probed again, not trusted
        assert json.loads(entries[0].read_text())["info"]["path"] == str(clip)  # rewritten


def test_processes_probing_at_once_agree_and_leave_whole_entries(tmp_path, counted):
    env, log = counted
    clips = [make_test_video(tmp_path / f"c{n}.mp4", width=32, height=32, duration=0.5)
             for n in range(3)]  # fmt: skip
    command = [sys.executable, "-m", "vidgen_desktop", "probe", "--json"]
    started = [subprocess.Popen([*command, str(clips[n % 3])], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for n in range(6)]  # fmt: skip
    answers = [p.communicate(timeout=300) for p in started]
    assert all(p.returncode == 0 for p in started), [err for _out, err in answers]
    for n, (out, _err) in enumerate(answers):
        assert json.loads(out)["path"] == str(clips[n % 3])
    folder = tmp_path / "home" / "cache" / probe_cache.FOLDER
    kept = sorted(folder.iterdir())
    assert len(kept) == 3 and all(json.loads(p.read_text())["info"] for p in kept)


def project_of(tmp_path: Path, clip: Path, fmt: str = "mp4") -> Path:
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "output": {"width": 64, "height": 48, "fps": 30, "duration": 1, "format": fmt},
        "elements": [{"id": "clip", "type": "video", "source": str(clip)}],
    }))  # fmt: skip
    return project


def test_a_render_runs_ffmpeg_once_and_does_not_probe_its_output(tmp_path, counted):
    env, log = counted
    clip = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1, audio=True)
    project = project_of(tmp_path, clip)
    vidgen(env, "render", str(project), "-o", str(tmp_path / "first.mp4"))
    runs(log)
    out = tmp_path / "out.mp4"
    vidgen(env, "render", str(project), "-o", str(out))
    made = runs(log)
    assert len(made) == 1 and "-progress" in made[0]  # the render; no probe of clip or out
    assert len(decode_frames(out, 64, 48)) == 30


def plan_and_file(tmp_path: Path):
    from vidgen_desktop.composition import project
    from vidgen_desktop.render import engine

    clip = make_test_video(tmp_path / "clip.mp4", width=64, height=48, duration=1)
    plan = engine.prepare(project.load(str(project_of(tmp_path, clip))))
    process = engine.render_process(plan, tmp_path / "out.mp4")
    out = process.run()
    return plan, out, dict(process.reported or {})


def test_the_report_check_refuses_what_the_probe_refused(tmp_path, home):
    from vidgen_desktop.render import engine

    plan, out, report = plan_and_file(tmp_path)
    assert report["progress"] == "end" and int(report["total_size"]) == out.stat().st_size
    engine.output_verifier(plan, reported=lambda: report)(out)  # as rendered: fine
    short = {**report, "frame": "20", "out_time_us": "666666"}  # FFmpeg stopped early
    with pytest.raises(RenderError, match="expected 30"):
        engine.output_verifier(plan, reported=lambda: short)(out)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])  # not all of it on disk
    with pytest.raises(RenderError, match="does not play back"):
        engine.output_verifier(plan, reported=lambda: report)(cut)  # so it was probed
    bigger = tmp_path / "bigger.mp4"  # FFmpeg said less than is there: probed, and it plays
    shutil.copyfile(out, bigger)
    engine.output_verifier(plan, reported=lambda: {**report, "total_size": "1"})(bigger)


def test_the_bundled_ffmpeg_is_checked_once_while_it_is_the_same_file(tmp_path, home):
    binary = tmp_path / "ffmpeg"  # what is remembered is the file's identity, not its contents
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert ffmpeg._bundled_seen_before() is None  # nothing remembered yet: imageio checks
    ffmpeg._remember_bundled(str(binary))
    assert ffmpeg._bundled_seen_before() == str(binary)
    os.utime(binary, ns=(binary.stat().st_atime_ns, binary.stat().st_mtime_ns + 10**9))
    assert ffmpeg._bundled_seen_before() is None  # replaced (an upgrade): checked again
    ffmpeg._remember_bundled(str(binary))
    (home / "home" / "cache" / ffmpeg._SEEN_FILE).write_text("{not json")
    assert ffmpeg._bundled_seen_before() is None
    ffmpeg.ffmpeg_exe.cache_clear()
    assert ffmpeg.ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()  # and it is remembered again
    assert ffmpeg._bundled_seen_before() == imageio_ffmpeg.get_ffmpeg_exe()
    ffmpeg.ffmpeg_exe.cache_clear()
