"""Golden FFmpeg arguments: the graph for a small composition stays exactly as reviewed.

A change here is a change in what every render does: review the new list,
render it, look at the frames, then update the golden list.
"""

from __future__ import annotations

from factskit import Facts
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine, graph

COMP = {
    "output": {"width": 320, "height": 180, "fps": 30, "duration": 4, "background": "#101010"},
    "elements": [
        {"id": "bg", "type": "video", "source": "/m/bg.mp4", "fit": "cover", "volume": 0.5},
        {"id": "logo", "type": "image", "source": "/m/logo.png", "x": "80%", "y": "80%",
         "width": "10%", "height": "10%", "opacity": 0.8, "start": 1, "duration": 2},
        {"id": "music", "type": "audio", "source": "/m/music.wav", "start": 0.5, "fade_out": 1},
    ],
}  # fmt: skip
FACTS = {
    "bg": Facts(640, 360, 10.0, 30.0, True, False),
    "logo": Facts(100, 100, None, None, False, True, "png_pipe"),
    "music": Facts(0, 0, 10.0, None, True, False),
}

GOLDEN = [
    "-hide_banner", "-nostdin", "-y",
    # the opaque full-canvas background clip at the output's rate is the canvas itself
    "-i", "file:/m/bg.mp4",
    # stills are read by the demuxer the probe chose from their content, not their name
    "-f", "png_pipe", "-i", "file:/m/logo.png",
    "-i", "file:/m/music.wav",
    "-filter_complex",
    "[0:v]trim=duration=4[s0];[s0]settb=1/1000000[s1];[s1]setpts=PTS-STARTPTS+0/TB[s2];"
    "[s2]scale=320:180:flags=bicubic[s3];"
    # the logo lands at x=263 (odd): RGBA, a 1-px transparent border, overlay at 262
    "[1:v]scale=18:18:flags=area+accurate_rnd+full_chroma_int[s4];"
    "[s4]format=rgba[s5];[s5]colorchannelmixer=aa=0.8[s6];[s6]settb=1/1000000[s7];"
    "[s7]setpts=PTS-STARTPTS+1/TB[s8];"
    "[s8]pad=color=black@0:h=18:w=20:x=1:y=0[s9];"
    "[s3][s9]overlay=enable=gte(t\\,1)*lt(t\\,3):eof_action=repeat:x=262:y=144[s10];"
    "[0:a]atrim=duration=4[s11];[s11]asetpts=PTS-STARTPTS[s12];"
    "[s12]aformat=channel_layouts=stereo:sample_fmts=fltp:sample_rates=48000[s13];"
    "[s13]volume=0.5[s14];"
    "[2:a]atrim=duration=3.5[s15];[s15]asetpts=PTS-STARTPTS[s16];"
    "[s16]aformat=channel_layouts=stereo:sample_fmts=fltp:sample_rates=48000[s17];"
    "[s17]afade=d=1:st=2.5:t=out[s18];[s18]adelay=all=1:delays=500[s19];"
    "[s14][s19]amix=dropout_transition=0:duration=longest:inputs=2:normalize=0[s20];"
    "[s20]apad=whole_dur=4[s21];[s21]atrim=end=4[s22]",
    "-map", "[s10]", "-map", "[s22]",
    "-f", "mp4", "-ac", "2", "-acodec", "aac", "-ar", "48000", "-b:a", "160k", "-crf", "23",
    "-movflags", "+faststart", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-r", "30",
    "-t", "4", "-vcodec", "libx264", "file:/out/x.mp4",
]  # fmt: skip


def test_golden_arguments():
    plan = graph.plan(Composition.from_data(COMP), FACTS)
    assert graph.arguments(plan, "/out/x.mp4") == GOLDEN


def test_user_text_never_reaches_the_filter_graph(tmp_path):
    nasty = "a'b\"c;d[e]f,g:h=i%j\\k"
    comp = Composition.from_data(
        {
            "output": {"width": 64, "height": 48, "duration": 1},
            "elements": [{"id": "t", "type": "text", "text": nasty}],
        }
    )
    args = graph.arguments(engine.with_text_files(graph.plan(comp, {}, text_folder=tmp_path)),
                           "/out/x.mp4")  # fmt: skip
    assert not any(nasty in arg for arg in args)
    graph_arg = args[args.index("-filter_complex") + 1]
    assert "text" not in graph_arg.replace("text-", "")  # the text is a PNG input, not drawtext


def test_a_background_that_does_not_cover_everything_keeps_the_colour_canvas():
    comp = Composition.from_data({**COMP, "elements": [{**COMP["elements"][0], "fit": "contain",
                                                        "width": "50%"}]})  # fmt: skip
    args = graph.arguments(graph.plan(comp, FACTS), "/out/x.mp4")
    assert "color=c=0x101010:s=320x180:r=30:d=4" in args


def test_text_pngs_written_from_several_threads_at_once_are_whole(tmp_path):
    # the preview draws two frames at a time; the renderer's text PNG must never be torn
    import concurrent.futures

    import cv2

    from vidgen_desktop.composition.model import TextElement
    from vidgen_desktop.render import text

    element = TextElement(id="t", text="Spring sale", background="#000000")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        paths = set(pool.map(lambda _: text.text_png(element, (400, 80), tmp_path), range(16)))
    assert len(paths) == 1
    (path,) = paths
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape == (80, 400, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


def test_the_preview_plan_writes_no_text_files(tmp_path):
    comp = Composition.from_data(
        {
            "output": {"width": 64, "height": 48, "duration": 1},
            "elements": [{"id": "t", "type": "text", "text": "hi"}],
        }
    )
    plan = graph.plan(comp, {}, text_folder=tmp_path)
    assert len(plan.visuals) == 1 and list(tmp_path.iterdir()) == []
