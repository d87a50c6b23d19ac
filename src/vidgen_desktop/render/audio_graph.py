"""The sound of a render: every audible element trimmed, volume- and fade-adjusted, delayed
to its start and mixed, padded to the composition's length (silence when nothing is audible).

Part of ``render.graph`` (which calls ``sound`` for ``build``); the editor's playback mix
(``ui/editor/audio_mix.py``) follows the same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ffmpeg

from vidgen_desktop.render.inputs import Inputs
from vidgen_desktop.render.inputs import number as _num

if TYPE_CHECKING:
    from vidgen_desktop.render.graph import AudioPlan, RenderPlan

SAMPLE_RATE = 48000  # Hz


def audio_stream(ap: AudioPlan, inputs: Inputs) -> Any:
    element, window = ap.element, ap.window
    stream = (
        inputs.audio(ap)
        .filter("atrim", duration=_num(window.duration))
        .filter("asetpts", "PTS-STARTPTS")
        .filter("aformat", sample_rates=SAMPLE_RATE, channel_layouts="stereo", sample_fmts="fltp")
    )
    if "volume" in element.keyframes:  # the gain stepped every 10 ms: one gain a frame (eval)
        from vidgen_desktop.render import motion_graph  # only for keyframed sound

        stream = stream.filter("asetnsamples", n=SAMPLE_RATE // 100, p=0)  # frames of 10 ms
        stream = stream.filter("volume", motion_graph.volume_expr(element, window), eval="frame")
    elif element.volume != 1:
        stream = stream.filter("volume", _num(element.volume))
    if element.fade_in > 0:
        stream = stream.filter("afade", t="in", st=0, d=_num(element.fade_in))
    if element.fade_out > 0:
        st = max(0.0, window.duration - element.fade_out)
        stream = stream.filter("afade", t="out", st=_num(st), d=_num(element.fade_out))
    if window.start > 0:
        stream = stream.filter("adelay", delays=f"{round(window.start * 1000)}", all=1)
    return stream


def sound(render_plan: RenderPlan, inputs: Inputs) -> Any:
    """Every audible element mixed, padded to the composition's length (silence if none)."""
    total = _num(render_plan.duration)
    streams = [audio_stream(ap, inputs) for ap in render_plan.audio]
    if not streams:
        return ffmpeg.input(f"anullsrc=r={SAMPLE_RATE}:cl=stereo", f="lavfi", t=total).audio
    audio = streams[0] if len(streams) == 1 else ffmpeg.filter(
        streams, "amix", inputs=len(streams), normalize=0, duration="longest", dropout_transition=0
    )  # fmt: skip
    return audio.filter("apad", whole_dur=total).filter("atrim", end=total)
