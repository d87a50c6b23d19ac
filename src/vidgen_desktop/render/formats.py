"""Output formats and quality presets: codec arguments for FFmpeg's output."""

from __future__ import annotations

from typing import Any

from vidgen_desktop.composition.model import Output

X264 = {"draft": ("ultrafast", 28), "standard": ("veryfast", 23), "high": ("slow", 18)}
VP9 = {"draft": (8, 40), "standard": (5, 33), "high": (2, 24)}  # cpu-used, crf
PRORES = {"draft": 0, "standard": 2, "high": 3}  # proxy, standard, HQ
AAC = {"draft": "96k", "standard": "160k", "high": "256k"}
OPUS = {"draft": "64k", "standard": "128k", "high": "192k"}

# output options that concern the sound (a chunk has none; the sound file has only these)
AUDIO_OPTIONS = frozenset({"acodec", "b:a", "ar", "ac"})

EXTENSIONS = {"mp4": ".mp4", "webm": ".webm", "mov": ".mov", "gif": ".gif"}


def has_audio(output: Output) -> bool:
    return output.format != "gif"


def video_codec(output: Output) -> str:
    """The encoder name, for estimates and logs."""
    if output.format == "webm":
        return "libvpx-vp9"
    if output.format == "gif":
        return "gif"
    if output.format == "mov" and output.mov_codec == "prores":
        return "prores_ks"
    return "libx264"


def output_kwargs(output: Output) -> dict[str, Any]:
    """Keyword arguments for ffmpeg-python's ``output()`` (codec, rate control, muxer flags)."""
    q = output.quality
    kwargs: dict[str, Any] = {"f": output.format, "r": _rate(output.fps)}
    codec = video_codec(output)
    if codec == "libx264":
        preset, crf = X264[q]
        kwargs.update(vcodec="libx264", preset=preset, crf=crf, pix_fmt="yuv420p")
        if output.format == "mp4":
            kwargs.update(movflags="+faststart", acodec="aac", **{"b:a": AAC[q]})
        else:
            kwargs.update(acodec="aac", **{"b:a": AAC[q]})
    elif codec == "libvpx-vp9":
        cpu, crf = VP9[q]
        kwargs.update(
            vcodec="libvpx-vp9",
            crf=crf,
            **{"b:v": 0},
            pix_fmt="yuv420p",
            deadline="realtime" if q == "draft" else "good",
            **{"cpu-used": cpu},
            **{"row-mt": 1},
            acodec="libopus",
            **{"b:a": OPUS[q]},
        )
    elif codec == "prores_ks":
        kwargs.update(
            vcodec="prores_ks",
            profile=PRORES[q],
            pix_fmt="yuv422p10le",
            acodec="pcm_s16le",
            vendor="apl0",
        )
    else:  # gif: palette built in the graph
        kwargs.update(vcodec="gif", loop=0)
    if has_audio(output):
        kwargs.update(ar=48000, ac=2)
    return kwargs


def _rate(fps: float) -> str:
    """fps as FFmpeg likes it: integers stay integers, 29.97 becomes 30000/1001."""
    if abs(fps - round(fps)) < 1e-9:
        return str(int(round(fps)))
    for base in (24, 30, 60, 120):
        if abs(fps - base * 1000 / 1001) < 1e-3:
            return f"{base * 1000}/1001"
    return f"{fps:.6f}".rstrip("0").rstrip(".")
