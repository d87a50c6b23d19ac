"""Preview proxies: the same frames as the original, one for one, and the preview uses them."""

from __future__ import annotations

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media import proxy
from vidgen_desktop.media.frames import VideoFrames
from vidgen_desktop.media.samples import index_of, make_test_video
from vidgen_desktop.render import engine, preview

pytestmark = pytest.mark.render  # every test here makes a proxy with FFmpeg


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))
    yield
    proxy.close_all()


def test_proxy_frames_match_the_original_one_for_one(tmp_path):
    source = make_test_video(tmp_path / "count.mp4", width=320, height=240, fps=25,
                             duration=4, pattern="index", gop=50)  # fmt: skip
    made = proxy.make_proxy(source)
    assert made is not None and made.is_dir()
    reader = proxy.proxy_frames(source)
    original = VideoFrames(source)
    assert reader.frame_count == 100
    for index in (0, 1, 57, 99, 12, 98, 3):  # random access, backwards too
        assert index_of(reader.frame(index)) == index == index_of(original.frame(index))
    assert index_of(reader.frame(500)) == 99  # past the end: the last frame
    assert proxy.make_proxy(source) == made  # made once, found after


def test_no_proxy_until_made_and_none_for_stills(tmp_path):
    from mediakit import solid, write_png

    source = make_test_video(tmp_path / "v.mp4", width=64, height=48, duration=0.5)
    assert proxy.proxy_frames(source) is None
    still = write_png(tmp_path / "s.png", solid(8, 8, (1, 2, 3, 255)))
    assert proxy.make_proxy(still) is None


def test_a_changed_file_gets_a_new_proxy(tmp_path):
    source = make_test_video(tmp_path / "v.mp4", width=64, height=48, duration=0.5)
    first = proxy.make_proxy(source)
    make_test_video(tmp_path / "v.mp4", width=64, height=48, duration=1.0, pattern="index")
    from vidgen_desktop.media.probe import probe

    probe.cache_clear()
    assert proxy.make_proxy(source) != first


def test_preview_with_proxies_shows_the_same_picture(tmp_path):
    from mediakit import psnr

    source = make_test_video(tmp_path / "clip.mp4", width=640, height=360, fps=30,
                             duration=2, pattern="gradients")  # fmt: skip
    comp = Composition.from_data({
        "output": {"width": 640, "height": 360, "duration": 2},
        "elements": [{"id": "v", "type": "video", "source": str(source), "fit": "cover"}],
    })  # fmt: skip
    plan = engine.prepare(comp)
    direct = preview.Previewer(plan, use_proxies=False)
    proxy.make_proxy(source)
    proxied = preview.Previewer(plan)
    for t in (0.0, 0.7, 1.5, 1.9):
        assert psnr(proxied.frame(t, 0.5), direct.frame(t, 0.5)) > 32


def test_two_makers_of_the_same_proxy_at_once_both_get_it(tmp_path):
    # the editor and a background import can ask for the same proxy together: the
    # second to finish must use the first one's folder, not fail the preview
    import concurrent.futures

    from vidgen_desktop import files

    source = make_test_video(tmp_path / "v.mp4", width=64, height=48, duration=1.0)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        made = set(pool.map(lambda _: proxy.make_proxy(source), range(3)))
    assert len(made) == 1
    (folder,) = made
    assert proxy.proxy_frames(source).frame_count == 30
    assert not [p for p in folder.parent.iterdir() if files.is_partial(p)]


def test_a_see_through_video_gets_a_proxy_that_keeps_its_alpha(tmp_path):
    source = make_test_video(
        tmp_path / "lower third.mov", codec="prores", alpha=True,
        width=320, height=180, fps=25, duration=2, pattern="index",
    )  # fmt: skip
    assert proxy.make_proxy(source) is not None
    reader = proxy.proxy_frames(source)
    assert reader.has_alpha and reader.frame_count == 50
    original = VideoFrames(source)
    for index in (0, 31, 7, 49, 48):
        for height in (None, 90):  # full size, and the half-size decode
            picture = reader.frame(index, height)
            h, w = picture.shape[:2]
            assert picture.shape[2] == 4 and h == (180 if height is None else 90)
            assert (picture[:, : w // 2 - 2, 3] == 255).all()  # the opaque half
            assert (picture[:, w // 2 + 2 :, 3] == 0).all()  # the see-through half
            assert index_of(picture[:, : w // 2 - 2]) == index == index_of(original.frame(index))
    original.close()


def test_preview_of_a_soft_edged_see_through_video_is_the_same_through_its_proxy(tmp_path):
    from mediakit import ffmpeg, footage, psnr

    source = tmp_path / "glow.mov"  # moving colour behind a soft radial alpha edge
    ffmpeg("-f", "lavfi", "-i", footage("640x360", 2),
           "-f", "lavfi", "-i", "color=black:s=640x360:r=25:d=2,drawbox=x=160:y=90:w=320:h=180:"
           "color=white:t=fill,gblur=sigma=12,format=gray",
           "-filter_complex", "[0][1]alphamerge,format=yuva444p10le",
           "-c:v", "prores_ks", "-profile:v", "4444", str(source))  # fmt: skip
    comp = Composition.from_data({
        "output": {"width": 640, "height": 360, "duration": 2, "background": "#3050a0"},
        "elements": [{"id": "v", "type": "video", "source": str(source), "fit": "cover"}],
    })  # fmt: skip
    plan = engine.prepare(comp)
    direct = preview.Previewer(plan, use_proxies=False)
    proxy.make_proxy(source)
    proxied = preview.Previewer(plan)
    assert proxy.proxy_frames(source).has_alpha
    for t in (1.5, 0.2, 1.9, 0.7):
        for scale in (1.0, 0.5):
            drawn, expected = proxied.frame(t, scale), direct.frame(t, scale)
            assert psnr(drawn, expected) > 32, (t, scale)


def test_the_frames_kept_for_every_video_share_one_budget(tmp_path, monkeypatch):
    """Scrubbing a composition of several videos holds one budget of frames, not one each:
    the demo's two videos held 32 MiB where 16 do (benchmarks/editor_memory.py)."""
    frame_bytes = 320 * 240 * 3
    monkeypatch.setattr(proxy._frames, "budget", 4 * frame_bytes)
    readers = []
    for name in ("a.mp4", "b.mp4"):
        source = make_test_video(tmp_path / name, width=320, height=240, fps=25, duration=1,
                                 pattern="index")  # fmt: skip
        proxy.make_proxy(source)
        readers.append(proxy.proxy_frames(source))
    for index in range(10):
        for reader in readers:
            assert index_of(reader.frame(index)) == index
    assert proxy._frames.nbytes == 4 * frame_bytes  # the last four, both videos together
    readers[0].close()  # a closed video's frames go with it
    assert proxy._frames.nbytes == 2 * frame_bytes
    assert index_of(readers[1].frame(9)) == 9
