"""Hostile input: the render works, or fails with a clear error naming the file, leaving nothing."""

from __future__ import annotations

import contextlib
import os
import shutil

import numpy as np
import pytest

from mediakit import color_video, decode_frames, halves, solid, write_png
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import MediaError, RenderCancelled, RenderError
from vidgen_desktop.render import engine

pytestmark = pytest.mark.render

NASTY_NAMES = [
    "with space.png",
    "quote'single.png",
    'quote"double.png',
    "[brackets].png",
    "comma,semi;colon:equals=.png",
    "50% off.png",
    "-starts-with-dash.png",
    "日本語 ünïcødé.png",
]


def comp_with(source: str, kind: str = "image") -> Composition:
    element = {"id": "media", "type": kind, "source": source}
    if kind != "audio":
        element["fit"] = "fill"
    return Composition.from_data(
        {
            "output": {"width": 64, "height": 48, "fps": 10, "duration": 0.5, "quality": "draft"},
            "elements": [element],
        }
    )


def assert_clean(folder) -> None:
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == [], f"partial files left behind: {leftovers}"
    assert not (folder / "out.mp4").exists()


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_file_names_with_special_characters_render(tmp_path, name):
    media = tmp_path / "media"
    media.mkdir()
    source = write_png(media / name, solid(8, 8, (255, 0, 0, 255)))
    out_dir = tmp_path / name.replace(".png", "")  # the output folder has the nasty name too
    out = engine.render(comp_with(str(source)), out_dir / f"out {name}.mp4")
    assert out.exists()
    frame = decode_frames(out, 64, 48)[0]
    assert frame[..., 0].mean() > 200 and frame[..., 2].mean() < 50


def test_video_with_a_nasty_name_renders_with_sound(tmp_path):
    source = color_video(tmp_path / "clip [v1]; a=b, 'x'.mp4", color="blue", size="32x32",
                         seconds=1, audio_freq=440)  # fmt: skip
    out = engine.render(comp_with(str(source), "video"), tmp_path / "out.mp4")
    assert decode_frames(out, 64, 48)[0][..., 2].mean() > 200


def _failing_render(tmp_path, source: str, kind: str = "image"):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises((MediaError, RenderError)) as caught:
        engine.render(comp_with(source, kind), out_dir / "out.mp4")
    assert_clean(out_dir)
    return str(caught.value)


def test_missing_file_is_named(tmp_path):
    message = _failing_render(tmp_path, str(tmp_path / "gone.png"))
    assert "gone.png" in message and "does not exist" in message


def test_zero_byte_file_is_named(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    message = _failing_render(tmp_path, str(tmp_path / "empty.mp4"), "video")
    assert "empty.mp4" in message and "empty" in message.replace("empty.mp4", "")


def test_text_renamed_mp4_is_named(tmp_path):
    (tmp_path / "notes.mp4").write_text("this is not a video\n" * 50)
    message = _failing_render(tmp_path, str(tmp_path / "notes.mp4"), "video")
    assert "notes.mp4" in message


def test_truncated_mp4_is_named(tmp_path):
    whole = color_video(tmp_path / "whole.mp4", color="red", size="64x48", seconds=2)
    data = whole.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    message = _failing_render(tmp_path, str(tmp_path / "cut.mp4"), "video")
    assert "cut.mp4" in message


def test_enormous_png_is_refused_clearly(tmp_path):
    import cv2

    huge = np.zeros((20000, 20000), dtype=np.uint8)
    ok, data = cv2.imencode(".png", huge)
    assert ok
    (tmp_path / "huge.png").write_bytes(data.tobytes())
    del huge
    message = _failing_render(tmp_path, str(tmp_path / "huge.png"))
    assert "huge.png" in message and "20000" in message


def test_every_bad_file_is_listed_at_once(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    comp = Composition.from_data(
        {
            "output": {"width": 64, "height": 48, "duration": 0.5},
            "elements": [
                {"id": "one", "type": "image", "source": str(tmp_path / "a.png")},
                {"id": "two", "type": "video", "source": str(tmp_path / "b.mp4")},
            ],
        }
    )
    with pytest.raises(MediaError) as caught:
        engine.render(comp, tmp_path / "out.mp4")
    assert "element 'one'" in str(caught.value) and "element 'two'" in str(caught.value)


def test_audio_element_without_sound_is_refused(tmp_path):
    source = write_png(tmp_path / "pic.png", solid(8, 8, (0, 0, 0, 255)))
    message = _failing_render(tmp_path, str(source), "audio")
    assert "pic.png" in message and "no sound" in message


def test_ffmpeg_failure_leaves_nothing_and_carries_stderr(tmp_path):
    source = color_video(tmp_path / "v.mp4", color="red", size="64x48", seconds=1)
    comp = comp_with(str(source), "video")
    plan = engine.prepare(comp)
    os.remove(source)  # gone between probe and render: FFmpeg itself fails
    out_dir = tmp_path / "out"
    with pytest.raises(RenderError) as caught:
        engine.render_process(plan, out_dir / "out.mp4").run()
    assert "v.mp4" in str(caught.value) or "v.mp4" in caught.value.detail
    assert caught.value.detail  # FFmpeg's own words kept for the log
    assert_clean(out_dir)


def test_cancel_stops_ffmpeg_and_leaves_no_file(tmp_path):
    import threading

    comp = Composition.from_data(
        {
            "output": {"width": 1280, "height": 720, "fps": 30, "duration": 120, "quality": "high"},
            "elements": [{"id": "t", "type": "text", "text": "long render"}],
        }
    )
    process = engine.render_process(engine.prepare(comp), tmp_path / "out.mp4")
    started = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            process.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    process.on_progress = lambda progress: started.set()
    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30), "the render never reported progress"
    pid = process.pid
    process.cancel()
    worker.join(30)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], RenderCancelled)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # FFmpeg is gone
    assert list(tmp_path.iterdir()) == []


def test_progress_reaches_one(tmp_path):
    seen = []
    comp = comp_with(str(write_png(tmp_path / "p.png", solid(8, 8, (9, 9, 9, 255)))))
    engine.render(comp, tmp_path / "out.mp4", on_progress=seen.append)
    assert seen and seen[-1].done and seen[-1].fraction == 1.0
    assert all(0 <= p.fraction <= 1 for p in seen)


def test_output_replaces_an_existing_file_only_when_complete(tmp_path):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"previous render")
    (tmp_path / "gone.png").touch()
    with pytest.raises(MediaError):
        engine.render(comp_with(str(tmp_path / "gone.png")), target)
    assert target.read_bytes() == b"previous render"
    shutil.rmtree(tmp_path / "gone.png", ignore_errors=True)


def test_ffmpeg_dies_with_the_process_that_started_it(tmp_path):
    # kill -9 of a queue or farm worker must not leave FFmpeg rendering as an orphan
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys\n"
        "from vidgen_desktop.composition.model import Composition\n"
        "from vidgen_desktop.render import engine\n"
        "comp = Composition.from_data({'output': {'width': 640, 'height': 360, 'duration': 600,"
        " 'quality': 'high'}, 'elements': [{'id': 't', 'type': 'text', 'text': 'x'}]})\n"
        "process = engine.render_process(engine.prepare(comp), sys.argv[1])\n"
        "process.on_progress = lambda p: print(process.pid, flush=True)\n"
        "process.run()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "out.mp4")], stdout=subprocess.PIPE, text=True
    )
    ffmpeg_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(ffmpeg_pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):  # a zombie of ours under a subreaper
            os.waitpid(ffmpeg_pid, os.WNOHANG)
        time.sleep(0.05)
    else:
        os.kill(ffmpeg_pid, signal.SIGKILL)
        raise AssertionError("FFmpeg kept running after its parent was killed")


@pytest.mark.parametrize("real, named", [(".png", "photo.jpg"), (".jpg", "photo.png")])
def test_a_still_whose_content_does_not_match_its_extension_renders(tmp_path, real, named):
    # web downloads are often a PNG named .jpg: the decoder follows the content
    import cv2

    picture = halves(16, 16, (255, 0, 0, 255), (0, 0, 255, 255))
    ok, data = cv2.imencode(real, cv2.cvtColor(picture, cv2.COLOR_RGBA2BGR))
    assert ok
    (tmp_path / named).write_bytes(data.tobytes())
    out = engine.render(comp_with(str(tmp_path / named)), tmp_path / "out.mp4")
    frame = decode_frames(out, 64, 48)[0]
    assert frame[:, :28, 0].mean() > 200 and frame[:, :28, 2].mean() < 60  # red left
    assert frame[:, 36:, 2].mean() > 200 and frame[:, 36:, 0].mean() < 60  # blue right


def test_a_still_that_fails_to_decode_names_its_file_and_element(tmp_path):
    import cv2

    noise = np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".png", noise)
    damaged = bytearray(data.tobytes())
    damaged[2000:6000] = b"\0" * 4000  # the header is fine (the probe passes), the pixels not
    (tmp_path / "logo.png").write_bytes(bytes(damaged))
    message = _failing_render(tmp_path, str(tmp_path / "logo.png"))
    assert "element 'media'" in message and "logo.png" in message and "damaged" in message
    assert "\n" not in message and "@ 0x" not in message


def _gif(path, colors, *, transparent_right=False, frame_ms=100):
    from PIL import Image

    frames = []
    for color in colors:
        image = Image.new("P", (16, 16), 0)
        image.putpalette([*color, 0, 255, 0] + [0] * 762)
        if transparent_right:
            image.paste(1, (8, 0, 16, 16))
        frames.append(image)
    extra = {"transparency": 1} if transparent_right else {}
    frames[0].save(path, save_all=len(frames) > 1, append_images=frames[1:],
                   duration=frame_ms, loop=0, **extra)  # fmt: skip
    return path


def test_a_one_frame_gif_used_as_an_image_renders_with_its_transparency(tmp_path):
    from vidgen_desktop.media.probe import probe

    gif = _gif(tmp_path / "badge.gif", [(255, 0, 0)], transparent_right=True)
    assert probe(gif).kind == "image"
    comp = Composition.from_data({
        "output": {"width": 64, "height": 48, "fps": 10, "duration": 1, "background": "#0000ff"},
        "elements": [{"id": "badge", "type": "image", "source": str(gif), "fit": "fill",
                      "fade_in": 0.2}],
    })  # fmt: skip
    frame = decode_frames(engine.render(comp, tmp_path / "out.mp4"), 64, 48)[-1]
    assert frame[:, :28, 0].mean() > 200 and frame[:, :28, 2].mean() < 60  # the red half
    assert frame[:, 36:, 2].mean() > 200 and frame[:, 36:, 0].mean() < 60  # see-through
    from mediakit import psnr
    from vidgen_desktop.render import preview

    drawn = preview.preview_frame(engine.prepare(comp), 0.9)[..., :3]
    assert psnr(drawn, frame) > 30  # the canvas shows the same


def test_an_animated_gif_used_as_a_video_plays(tmp_path):
    from vidgen_desktop.media.probe import probe

    gif = _gif(tmp_path / "blink.gif", [(255, 0, 0), (0, 0, 255)] * 3, frame_ms=200)
    info = probe(gif)
    assert info.kind == "video" and info.duration == pytest.approx(1.2, abs=0.05)
    frames = decode_frames(engine.render(comp_with(str(gif), "video"), tmp_path / "o.mp4"), 64, 48)
    reds = [bool(f[..., 0].mean() > 150) for f in frames]
    assert reds == [True, True, False, False, True]  # 0.5 s at 10 fps: red, blue, red


def test_a_render_needing_the_unreadable_part_of_a_cut_file_says_so(tmp_path):
    from hostile_media import cut_download

    source = str(cut_download(tmp_path))
    comp = Composition.from_data({
        "output": {"width": 64, "height": 48, "fps": 10, "duration": 5},
        "elements": [{"id": "media", "type": "video", "source": source, "trim_start": 1}],
    })  # fmt: skip
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(MediaError) as caught:
        engine.render(comp, out_dir / "out.mp4")
    assert_clean(out_dir)
    message = str(caught.value)
    assert message.startswith("element 'media': clip.mp4 looks damaged: only the first ")
    assert message.endswith("of 12 s can be read, and this element uses it up to 6 s")


def test_the_readable_part_of_a_cut_file_renders(tmp_path):
    from hostile_media import cut_download

    source = str(cut_download(tmp_path))
    comp = Composition.from_data({
        "output": {"width": 64, "height": 48, "fps": 10, "duration": 0.3},
        "elements": [{"id": "media", "type": "video", "source": source, "duration": 0.3}],
    })  # fmt: skip
    out = engine.render(comp, tmp_path / "out.mp4")
    assert len(decode_frames(out, 64, 48)) == 3
