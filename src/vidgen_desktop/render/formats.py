"""Output formats and quality presets: codec arguments for FFmpeg's output."""

from __future__ import annotations

from typing import Any

from vidgen_desktop.composition.model import Output

# Long H.264 renders (over CHUNK_SAFE_SECONDS, and every chunk) are coded so that any
# stretch between two keyframes of the grid is the same bitstream whether the file is
# encoded in one piece or in chunks (render.chunks): an IDR
# every GOP_SECONDS (closed, no scene-cut keyframes), a fixed thread count (x264 picks
# its threads from the CPU affinity, and frame threads change its decisions), headers
# that do not depend on the content (stitchable), and a rate control without memory:
# qcomp=1 gives every frame the CRF's quantizer (adaptive quantization still shapes it
# inside the frame, mb-tree has no effect) and ip/pb ratios of 1 stop I- and B-frames
# taking theirs from the frames before. CRF 4 above the usual 28/23/18 gives the same
# PSNR and SSIM as those did with the usual rate control (+10-13 % in size on the
# test patterns measured; the fixed GOP's share of it is about 2 %). Shorter renders,
# which are never cut, keep x264's own rate control and threads: 10-13 % smaller files,
# and every core of a many-core machine on the encode.
X264 = {"draft": ("ultrafast", 28), "standard": ("veryfast", 23), "high": ("slow", 18)}
CHUNK_SAFE_CRF = 4  # added to X264's CRF for the same PSNR/SSIM under chunk-safe coding
CHUNK_SAFE_SECONDS = 20.0  # the default chunk_threshold: longer renders may be cut
GOP_SECONDS = 2.0  # H.264 keyframe interval, so chunk boundaries fall on this grid
X264_THREADS = 2  # the same on every machine (an encoder keeps about two cores busy)
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


def gop_frames(output: Output) -> int:
    """Frames between two keyframes: chunks of a render are cut on multiples of this.

    1 for an intra-only codec (ProRes: every frame is a keyframe)."""
    if video_codec(output) == "libx264":
        return max(1, round(GOP_SECONDS * output.fps))
    return 1


def x264_params(output: Output) -> str:
    gop = gop_frames(output)
    return (
        f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:stitchable=1"
        f":threads={X264_THREADS}:qcomp=1:ipratio=1:pbratio=1"
    )


def output_kwargs(output: Output, *, chunk_safe: bool = False) -> dict[str, Any]:
    """Keyword arguments for ffmpeg-python's ``output()`` (codec, rate control, muxer flags).

    ``chunk_safe``: H.264 coded so that chunks join into the one-piece bitstream."""
    q = output.quality
    kwargs: dict[str, Any] = {"f": output.format, "r": _rate(output.fps)}
    codec = video_codec(output)
    if codec == "libx264":
        preset, crf = X264[q]
        kwargs.update(vcodec="libx264", preset=preset, crf=crf, pix_fmt="yuv420p")
        if chunk_safe:
            kwargs.update(crf=crf + CHUNK_SAFE_CRF, **{"x264-params": x264_params(output)})
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
