"""Hostile input at the command line, as a user runs it: a real ``vidgen`` subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def vidgen(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIDGEN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("vidgen: ")
    return lines[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start", 1e308),
        ("duration", 1e308),
        ("track", 18446744073709551616),
        ("padding", 1e308),
        ("fade_in", 1e300),
        ("fade_out", 1e300),
        ("font_size", 1e300),
    ],
)
@pytest.mark.parametrize("command", ["render", "submit"])
def test_an_absurd_number_is_one_line_naming_element_and_field(
    tmp_path: Path, command: str, field: str, value: float
) -> None:
    project = tmp_path / "promo.json"
    title = {"id": "title", "type": "text", "text": "Spring sale", field: value}
    project.write_text(json.dumps({"output": {"width": 64, "height": 64}, "elements": [title]}))
    line = one_line_error(vidgen(command, str(project), "-o", str(tmp_path), home=tmp_path))
    assert f"element 'title': {field} must be " in line
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*.mp4"))


@pytest.mark.parametrize("font", ["/etc/passwd", "/etc"])
@pytest.mark.parametrize("command", ["render", "preview"])
def test_a_font_that_is_not_a_font_names_the_element_and_the_font(
    tmp_path: Path, command: str, font: str
) -> None:
    project = tmp_path / "promo.json"
    title = {"id": "title", "type": "text", "text": "Spring sale", "font_family": font}
    project.write_text(json.dumps({"output": {"width": 64, "height": 64}, "elements": [title]}))
    extra = ["--at", "0", "-o", str(tmp_path / "f.png")] if command == "preview" else []
    result = vidgen(command, str(project), *extra, home=tmp_path)
    if font == "/etc":  # a folder is not a font file: the bundled font is used, as for a name
        assert result.returncode == 0, result.stderr
        return
    assert one_line_error(result) == (
        "vidgen: element 'title': the font /etc/passwd cannot be used: it is not a font file "
        "(TrueType, OpenType or another FreeType format)"
    )


# Numeric options: every one has a range ----------------------------------------------

OPTIONS = [
    (["preview", "p.json", "-o", "f.png", "--at"], "--at", ["-1", "nan", "inf", "1e999"]),
    (["preview", "p.json", "-o", "f.png", "--at", "0", "--scale"], "--scale", ["0", "5", "nan"]),
    (["submit", "p.json", "--threshold"], "--threshold", ["-1", "1e308", "nan"]),
    (["estimate", "p.json", "--threshold"], "--threshold", ["-0.5", "inf"]),
    (["queue", "run", "--concurrency"], "--concurrency", ["0", "17", "9" * 20, "2.5"]),
    (["jobs", "list", "--limit"], "--limit", ["0", "99999999999999999999", "ten"]),
    (["jobs", "list", "--offset"], "--offset", ["-5", "99999999999999999999"]),
    (["cleanup", "--older-than"], "--older-than", ["-1", "1e10", "nan"]),
    (["worker", "--concurrency"], "--concurrency", ["0", "1e3"]),
    (["worker", "--metrics-port"], "--metrics-port", ["0", "65536", "-1"]),
    (["worker", "--health", "--max-age"], "--max-age", ["0", "-3", "nan"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [(args, option, value) for args, option, values in OPTIONS for value in values],
)
def test_a_numeric_option_out_of_range_is_refused_in_words(
    tmp_path: Path, args: list[str], option: str, value: str
) -> None:
    result = vidgen(*args, value, home=tmp_path, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert f"error: argument {option}: must be a " in last
    assert f"got {value!r}" in last


def test_a_date_past_year_9999_is_refused_in_words(tmp_path: Path) -> None:
    line = one_line_error(vidgen("jobs", "list", "--until", "9999-12-31", home=tmp_path))
    assert line == "vidgen: '9999-12-31' is too far in the past or future to be a date"


def _jobs(home: Path, count: int) -> None:
    from vidgen_desktop.composition.model import Composition
    from vidgen_desktop.store import open_local

    os.environ["VIDGEN_HOME"] = str(home)
    try:
        db = open_local()
        for n in range(count):
            db.jobs.create(Composition(name=f"promo {n}"))
        db.close()
    finally:
        del os.environ["VIDGEN_HOME"]


def test_offset_and_limit_page_through_the_log(tmp_path: Path) -> None:
    _jobs(tmp_path, 5)
    names = vidgen("jobs", "list", "--offset", "3", "--limit", "1", home=tmp_path).stdout
    assert names.split()[-2:] == ["promo", "1"]  # newest first: 4, 3, 2 skipped


# A closed pipe ends quietly ---------------------------------------------------------


def run_into_a_closed_pipe(*args: str, home: Path, cwd: Path | None = None):
    """Run vidgen with its stdout a pipe nobody reads any more (as `| head` does once done)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "vidgen_desktop", *args],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=cwd,
            env={**os.environ, "VIDGEN_HOME": str(home)}, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ["jobs", "list"],
        ["jobs", "list", "--json"],
        ["jobs", "export"],
        ["schema"],
        ["settings"],
        ["estimate", "p.json"],
    ],
    ids=" ".join,
)
def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status(
    tmp_path: Path, args: list[str]
) -> None:
    _jobs(tmp_path, 3)
    (tmp_path / "p.json").write_text(json.dumps({"elements": [{"id": "t", "type": "text"}]}))
    result = run_into_a_closed_pipe(*args, home=tmp_path, cwd=tmp_path)
    assert result.stderr == ""
    assert result.returncode == 141  # 128 + SIGPIPE, what the shell reports for `yes | head`


def test_jobs_list_into_head_shows_no_traceback(tmp_path: Path) -> None:
    _jobs(tmp_path, 3000)  # more than a pipe holds, so the write after head has gone fails
    vidgen_list = f"{sys.executable} -m vidgen_desktop jobs list --limit 100000"
    script = f"set -o pipefail; {vidgen_list} | head -n 2"
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120,
        env={**os.environ, "VIDGEN_HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 2
    assert result.returncode == 141


@pytest.mark.render
def test_queue_run_into_a_closed_pipe_renders_on_quietly(tmp_path: Path) -> None:
    """Its job lines come from render threads: a closed pipe there must not print tracebacks
    or stop the queue."""
    import jobkit

    project = jobkit.save(
        jobkit.composition(jobkit.clip(tmp_path), seconds=0.5), tmp_path / "p.json"
    )
    queued = vidgen("submit", str(project), "--threshold", "0", home=tmp_path)
    assert queued.returncode == 0, queued.stderr
    result = run_into_a_closed_pipe("queue", "run", home=tmp_path)
    assert result.stderr == "queue empty: 1 job(s) run\n"
    assert result.returncode == 141
    listed = vidgen("jobs", "list", "--status", "completed", home=tmp_path)
    assert len(listed.stdout.splitlines()) == 1
