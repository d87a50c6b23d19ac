"""The ``vidgen`` command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mediakit import decode_frames, solid, write_png

pytestmark = pytest.mark.render


def vidgen(*args: str, cwd=None, home=None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIDGEN_HOME": str(home)} if home else None
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    result = vidgen("samples", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


def test_samples_make_media_and_example_projects(samples):
    for name in ("background.mp4", "clip.mp4", "photo.jpg", "logo.png", "music.wav"):
        assert (samples / "media" / name).stat().st_size > 0
    assert (samples / "spring_promo.json").exists() and (samples / "reference.json").exists()


def test_render_the_bundled_example(samples, tmp_path):
    out = tmp_path / "promo.webm"
    result = vidgen("render", str(samples / "spring_promo.json"), "-o", str(out),
                    "--quality", "draft")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    frames = decode_frames(out, 1280, 720)
    assert len(frames) == 240  # 8 s at 30 fps
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_preview_writes_a_png(samples, tmp_path):
    out = tmp_path / "frame.png"
    result = vidgen("preview", str(samples / "spring_promo.json"), "--at", "3", "-o", str(out),
                    "--scale", "0.25")  # fmt: skip
    assert result.returncode == 0, result.stderr
    import cv2

    image = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert image.shape == (180, 320, 4)
    assert image[..., :3].std() > 10  # a real picture, not a blank canvas


def test_probe_prints_facts_as_json(samples):
    result = vidgen("probe", str(samples / "media" / "logo.png"), "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["kind"] == "image" and facts["has_alpha"] is True
    assert (facts["width"], facts["height"]) == (512, 512)


def test_schema_is_json_schema():
    result = vidgen("schema")
    schema = json.loads(result.stdout)
    assert result.returncode == 0
    assert {"output", "elements", "schema_version"} <= set(schema["properties"])


def test_invalid_project_gives_one_clear_line_and_fails(tmp_path):
    project = tmp_path / "bad.json"
    project.write_text(json.dumps({
        "elements": [{"id": "logo", "type": "image", "source": "logo.png", "width": "0%"}]
    }))  # fmt: skip
    result = vidgen("render", str(project), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "element 'logo': width must be greater than 0, got '0%'" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_missing_media_names_the_file(tmp_path):
    project = tmp_path / "p.json"
    project.write_text(json.dumps({"elements": [
        {"id": "bg", "type": "video", "source": "media/nowhere.mp4"}]}))  # fmt: skip
    result = vidgen("render", str(project), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 1
    assert "nowhere.mp4" in result.stderr and "Traceback" not in result.stderr


def test_output_format_follows_the_extension_and_relative_media_resolve(tmp_path):
    (tmp_path / "media").mkdir()
    write_png(tmp_path / "media" / "red.png", solid(8, 8, (255, 0, 0, 255)))
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "output": {"width": 64, "height": 48, "duration": 1, "fps": 10},
        "elements": [{"id": "r", "type": "image", "source": "media/red.png", "fit": "fill"}],
    }))  # fmt: skip
    result = vidgen("render", "p.json", "-o", "anim.gif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "anim.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")


def test_default_output_goes_to_the_renders_folder(tmp_path):
    write_png(tmp_path / "red.png", solid(8, 8, (255, 0, 0, 255)))
    project = tmp_path / "My promo.json"
    project.write_text(json.dumps({
        "output": {"width": 64, "height": 48, "duration": 0.5},
        "elements": [{"id": "r", "type": "image", "source": "red.png"}],
    }))  # fmt: skip
    result = vidgen("render", str(project), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "home" / "renders" / "My promo.mp4")


def test_progress_bar_on_a_terminal(tmp_path):
    import pty
    import select

    write_png(tmp_path / "red.png", solid(8, 8, (255, 0, 0, 255)))
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "output": {"width": 320, "height": 240, "duration": 3},
        "elements": [{"id": "r", "type": "image", "source": "red.png", "fade_in": 2}],
    }))  # fmt: skip
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "vidgen_desktop", "render", str(project), "-o",
         str(tmp_path / "out.mp4")],
        stdout=subprocess.DEVNULL, stderr=terminal, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    process.wait(60)
    os.close(controller)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0
    assert "Rendering [" in text and "100.0%" in text
