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
