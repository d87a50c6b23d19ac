"""Where a render is cut and what each chunk's FFmpeg is asked for (pure: no FFmpeg run)."""

from __future__ import annotations

import pytest

from factskit import Facts
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import chunks, graph

CLIP = Facts(640, 360, 20.0, 25.0, has_audio=True, has_alpha=False)
STILL = Facts(100, 100, None, None, has_audio=False, has_alpha=True, container="png_pipe")


def plan(fmt: str = "mp4") -> graph.RenderPlan:
    comp = Composition.from_data({
        "output": {"width": 320, "height": 180, "fps": 30, "duration": 10, "format": fmt},
        "elements": [
            {"id": "early", "type": "video", "source": "/m/a.mp4", "duration": 2},
            {"id": "mid", "type": "video", "source": "/m/b.mp4", "start": 1, "trim_start": 0.5,
             "fade_in": 3},
            {"id": "logo", "type": "image", "source": "/m/l.png", "start": 4, "fade_in": 2,
             "x": 10, "y": 10, "width": 50, "height": 50},
            {"id": "late", "type": "video", "source": "/m/c.mp4", "start": 9, "duration": 1},
        ],
    })  # fmt: skip
    facts = {"early": CLIP, "mid": CLIP, "logo": STILL, "late": CLIP}
    return graph.plan(comp, facts)


def test_chunks_cover_every_frame_once():
    pieces = chunks.split(plan("mov"), 4)  # ProRes: every frame is a keyframe
    assert [(c.first, c.end) for c in pieces] == [(0, 75), (75, 150), (150, 225), (225, 300)]
    assert len(chunks.split(plan("mov"), 100)) == 10  # never shorter than a second of frames
    assert len(chunks.split(plan("gif"), 4)) == 1 and "GIF" in chunks.unjoinable(plan("gif"))
    assert len(chunks.split(plan("webm"), 4)) == 1 and "VP9" in chunks.unjoinable(plan("webm"))


def test_h264_chunks_are_cut_on_its_two_second_keyframe_grid():
    pieces = chunks.split(plan(), 4)  # 5 GOPs of 60 frames shared by 4 chunks
    assert [(c.first, c.end) for c in pieces] == [(0, 60), (60, 120), (120, 240), (240, 300)]
    assert [c.count for c in pieces] == [4, 4, 4, 4]
    assert [(c.first, c.end) for c in chunks.split(plan(), 100)] == [
        (n, n + 60) for n in range(0, 300, 60)
    ]  # never shorter than a GOP


def test_a_chunk_opens_its_sources_where_it_starts_and_keeps_the_composition_clock():
    third = chunks.split(plan("mov"), 4)[2]  # frames 150–224: 5 s to 7.5 s
    cut = chunks.chunk_plan(plan("mov"), third)
    ids = [vp.element.id for vp in cut.visuals]
    assert ids == ["early", "mid", "logo"]  # "late" starts after it; "early" is the bottom one
    mid = next(vp for vp in cut.visuals if vp.element.id == "mid")
    # 4 s into its window from frame 13 (0.5 s) of the file: frame 113 shows at 5 s; it is
    # opened a frame before (112), half a frame early, so the exact seek keeps that frame
    assert mid.seek == pytest.approx(111.5 / 25) and mid.lead == pytest.approx(99 / 25)
    logo = next(vp for vp in cut.visuals if vp.element.id == "logo")
    assert logo.lead == pytest.approx(29 / 30)  # its looped frames count on from there
    args = " ".join(chunks.chunk_arguments(cut, third, "/out/c.mov"))
    assert "setpts=PTS+150" in args  # the canvas starts at the chunk's first frame ...
    assert "fade=alpha=1:d=3:st=1:t=in" in args  # ... and fades keep their composition times
    assert "-ss 4.46" in args and "-an" in args and "-t 2.5" in args
    assert "trim=start=4.983333" in args  # cut half a frame before frame 150


def test_the_sound_is_the_whole_composition_mixed_once():
    args = chunks.sound_arguments(plan(), "/out/sound.mp4")
    assert "-vn" in args and "amix" in " ".join(args) and args[args.index("-t") + 1] == "10"


def test_only_renders_that_can_be_cut_and_their_chunks_are_coded_chunk_safe():
    def with_length(seconds: float) -> graph.RenderPlan:
        comp = Composition.from_data({
            "output": {"width": 320, "height": 180, "fps": 30, "duration": seconds},
            "elements": [{"id": "clip", "type": "video", "source": "/m/a.mp4"}],
        })  # fmt: skip
        return graph.plan(comp, {"clip": CLIP})

    short, long = with_length(10), with_length(21)
    short_args = graph.arguments(short, "/out/x.mp4")
    assert "-x264-params" not in short_args  # x264's own rate control: smaller files
    assert short_args[short_args.index("-crf") + 1] == "23"
    long_args = graph.arguments(long, "/out/x.mp4")
    params = long_args[long_args.index("-x264-params") + 1]
    assert "keyint=60" in params and "qcomp=1" in params  # the same bitstream as its chunks
    assert long_args[long_args.index("-crf") + 1] == "27"
    piece = chunks.split(short, 2)[0]  # a chunk is chunk-safe whatever the length
    chunk_args = chunks.chunk_arguments(short, piece, "/out/c.mp4")
    assert "keyint=60" in chunk_args[chunk_args.index("-x264-params") + 1]
