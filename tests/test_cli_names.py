"""File names with any character a file system allows: `vidgen render` works end to end,
and messages show such names unambiguously (quoted, escapes visible).

Real renders of real files through the real command; the names are on the media, the
project file, the output file and its folder at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediakit import color_video, decode_frames, has_audio_stream, solid, write_png
from vidgen_desktop.errors import display_name

pytestmark = pytest.mark.render

NAMES = [
    "line\nbreak",
    "-leading-dash",
    "--help",
    "quote'single",
    'quote"double',
    "[brackets]{braces}(parens)",
    "comma,semi;colon:equals=",
    "back\\slash",
    "tab\tand  spaces ",
    "50% off %d",
    "日本語 ünïcødé Ελληνικά",
    "ends with a newline\n",
]


def vidgen(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
        env={**os.environ, "VIDGEN_HOME": str(home)},
    )  # fmt: skip


@pytest.mark.parametrize("name", NAMES, ids=repr)
def test_a_project_with_that_name_everywhere_renders(tmp_path: Path, name: str) -> None:
    folder = tmp_path / f"{name} folder"
    folder.mkdir()
    write_png(folder / f"{name}.png", solid(8, 8, (255, 0, 0, 255)))
    color_video(folder / f"{name}.mp4", color="blue", size="32x32", seconds=1, audio_freq=440)
    project = folder / f"{name}.json"
    project.write_text(
        json.dumps(
            {
                "output": {"width": 64, "height": 48, "fps": 10, "duration": 0.5},
                "elements": [  # relative sources, resolved against the project's folder
                    {"id": "clip", "type": "video", "source": f"{name}.mp4", "fit": "fill",
                     "width": "50%"},
                    {"id": "logo", "type": "image", "source": f"{name}.png", "fit": "fill",
                     "x": "50%", "width": "50%"},
                ],
            }
        )
    )  # fmt: skip
    out_dir = tmp_path / f"{name} out"
    out_dir.mkdir()
    target = out_dir / f"{name}.mp4"
    result = vidgen("render", f"./{project.name}", "-o", str(target), home=tmp_path, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{target}\n"  # the path itself, as data for scripts
    frame = decode_frames(target, 64, 48)[0].astype(int)
    assert frame[:, :28, 2].mean() > 200  # the video, blue, on the left
    assert frame[:, 36:, 0].mean() > 200 and frame[:, 36:, 2].mean() < 50  # the still, red
    assert has_audio_stream(target)
    assert sorted(p.name for p in out_dir.iterdir()) == [target.name]  # no partial left


@pytest.mark.parametrize("name", NAMES, ids=repr)
def test_probe_reads_a_file_with_that_name(tmp_path: Path, name: str) -> None:
    source = write_png(tmp_path / f"{name}.png", solid(8, 6, (0, 255, 0, 255)))
    result = vidgen("probe", "--json", str(source), home=tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert (info["kind"], info["width"], info["height"]) == ("image", 8, 6)


def test_a_missing_file_with_a_newline_is_named_with_the_escape_visible(tmp_path: Path) -> None:
    project = tmp_path / "promo.json"
    missing = {"id": "logo", "type": "image", "source": "lo\ngo; new.png"}
    project.write_text(json.dumps({"elements": [missing]}))
    result = vidgen("render", str(project), "-o", str(tmp_path), home=tmp_path, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"vidgen: element 'logo': 'lo\\ngo; new.png' does not exist (looked in {tmp_path})\n"
    )


def test_a_missing_project_with_a_newline_is_named_with_the_escape_visible(
    tmp_path: Path,
) -> None:
    project = tmp_path / "pro\nmo.json"
    result = vidgen("render", str(project), home=tmp_path, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"vidgen: project file {str(project)!r} does not exist\n"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("logo.png", "logo.png"),
        ("日本語 ünïcødé.png", "日本語 ünïcødé.png"),
        ("-dash [1] (2) =50%.png", "-dash [1] (2) =50%.png"),
        ("lo\ngo.png", "'lo\\ngo.png'"),
        ("it's.png", '"it\'s.png"'),
        ("a; b.png", "'a; b.png'"),
        ("a,b:c.png", "'a,b:c.png'"),
        (" lead.png", "' lead.png'"),
        ("tab\t.png", "'tab\\t.png'"),
        ("back\\slash.png", "'back\\\\slash.png'"),
        ("/media/lo\ngo.png", "'lo\\ngo.png'"),
    ],
)
def test_display_name_quotes_only_what_could_be_misread(name: str, shown: str) -> None:
    assert display_name(name) == shown
