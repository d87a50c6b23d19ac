"""Preview proxies: small all-intra copies of videos, for instant seeking.

Seeking a long-GOP 1080p H.264 file costs 100–250 ms (decode from the last
keyframe); the canvas needs a frame in a few ms. Like Kdenlive and Shotcut,
Vidgen makes a proxy per video: the same frames (one for one, same count and
order), scaled to at most ``PROXY_HEIGHT`` lines, each frame its own JPEG in
a folder, so reaching any frame is one small decode (OpenCV's seek, even in
an all-intra file, measured ~28 ms). The preview reads the proxy whenever the
element is drawn no larger than the proxy; renders always read the original.

Videos with alpha get the same JPEGs for colour plus, per frame, the alpha
plane as a grey PNG (``000000.alpha.png``): lossless, so the see-through edge
is FFmpeg's own scaled alpha, and a JPEG plus a grey PNG decode in ~4 ms of
CPU at 1280×720 where one RGBA PNG takes ~13 ms and lossless WebP ~10 ms
(measured on a soft-edged ProRes 4444 clip; see ``benchmarks/editor_preview.py``).
The PNG is written without row prediction and with fast deflate (``ALPHA_PNG``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

import numpy as np

from vidgen_desktop import errors, files, paths
from vidgen_desktop.media import ffmpeg
from vidgen_desktop.media.byte_cache import ByteLRU
from vidgen_desktop.media.probe import MediaInfo, probe

PROXY_HEIGHT = 720  # px: a full-canvas layer in a 1280×720 preview still reads the proxy
# Decoded proxy frames kept, by bytes, for all videos together (scrubbing back and forth
# over the same frames): 16 MiB is 5 full-size 1280×720 RGB frames or 23 half-size ones. A
# count of 48 held ~130 MB per video after one scrub across the demo, and 16 MiB per video
# held 16 MiB more for each video a composition has (benchmarks/editor_memory.py), while a
# miss costs one JPEG decode (~3 ms).
CACHE_BYTES = 16 * 1024 * 1024

ALPHA_SUFFIX = ".alpha.png"  # the alpha plane of frame k: f"{k:06d}{ALPHA_SUFFIX}"
# No row prediction and fast deflate: FFmpeg's default (Paeth, level 9 class) decodes a
# 1280×720 soft-edged alpha in ~3.9 ms of CPU, this in ~0.5 ms, for ~2 KB more a frame.
ALPHA_PNG = ["-pred", "none", "-compression_level", "1"]


def proxy_path(info: MediaInfo) -> Path:
    """Where the proxy for this exact file version lives (keyed by path, size and mtime)."""
    stat = os.stat(info.path)
    key = f"{info.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{PROXY_HEIGHT}"
    if info.has_alpha:  # proxies made before ALPHA_PNG decode ~3 ms slower a frame: remade
        key += f"\0{' '.join(ALPHA_PNG)}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return paths.cache_dir() / "proxies" / digest


def wants_proxy(info: MediaInfo) -> bool:
    """Every video gains from a proxy (one with alpha keeps it in a PNG per frame)."""
    return info.kind == "video"


def make_proxy(path: str | os.PathLike[str]) -> Path | None:
    """Build (or find) the proxy for ``path``; None for media that need none.

    Written under a temporary name and renamed, so a half-made proxy is never used.
    """
    info = probe(path)
    if not wants_proxy(info):
        return None
    target = proxy_path(info)
    if target.exists():
        return target
    try:
        with files.atomic_path(target) as tmp:  # a folder appears whole or not at all
            _encode(info, tmp)
    except OSError:
        if not target.is_dir():
            raise
        # another thread or process finished the same proxy first: use theirs
    return target


def _encode(info: MediaInfo, folder: Path) -> None:
    folder.mkdir()
    height = min(PROXY_HEIGHT, info.height - info.height % 2)
    scale = f"scale=-2:{height}:flags=area"
    colour = [
        "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p",
        "-f", "image2", "-start_number", "0", ffmpeg.file_url(folder / "%06d.jpg"),
    ]  # fmt: skip
    if info.has_alpha:  # one decode, split: the JPEGs and the alpha PNGs count alike
        outputs = [
            "-filter_complex",
            f"[0:v:0]{scale},format=rgba,split[c][a];[a]alphaextract[alpha]",
            "-map", "[c]", *colour,
            "-map", "[alpha]", "-fps_mode", "passthrough", "-c:v", "png", *ALPHA_PNG,
            "-f", "image2", "-start_number", "0",
            ffmpeg.file_url(folder / f"%06d{ALPHA_SUFFIX}"),
        ]  # fmt: skip
    else:
        outputs = ["-map", "0:v:0", "-vf", scale, *colour]
    args = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-i", ffmpeg.file_url(info.path), "-an", "-sn", *outputs,
    ]  # fmt: skip
    result = subprocess.run(args, capture_output=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0 or not (folder / "000000.jpg").exists():
        raise errors.MediaError(
            f"could not make a preview proxy for {info.name}",
            path=info.path,
            detail=ffmpeg.stderr_text(result.stderr),
        )


_frames = ByteLRU(CACHE_BYTES)  # by (proxy folder, frame, half size)


class ProxyFrames:
    """Frames of a proxy by index: one JPEG decode each (and a PNG for alpha), recent ones
    cached (``_frames``, shared by every video)."""

    def __init__(self, source: MediaInfo, proxy: Path) -> None:
        self.source = source
        self.proxy = proxy
        self.frame_count = sum(1 for name in os.listdir(proxy) if name.endswith(".jpg"))
        self.has_alpha = (proxy / f"000000{ALPHA_SUFFIX}").exists()
        import cv2  # here, not at import: the editor asks wants_proxy() on the GUI thread

        first = cv2.imread(str(proxy / "000000.jpg"), cv2.IMREAD_COLOR)
        if first is None or self.frame_count == 0:
            raise errors.MediaError(f"the preview proxy of {source.name} cannot be read")
        self.height = first.shape[0]

    def frame(self, index: int, height: int | None = None) -> np.ndarray:
        """RGB uint8 (RGBA if the video has alpha) of source frame ``index``, clamped.

        At proxy size, or at half of it when ``height`` (the size it will be drawn
        at) is no more than that: JPEG decodes at half size for a quarter of the work.
        """
        index = max(0, min(index, self.frame_count - 1))
        half = height is not None and height <= self.height // 2
        key = (self.proxy, index, half)
        cached = _frames.get(key)
        if cached is not None:
            return cached
        import cv2

        data = np.fromfile(self.proxy / f"{index:06d}.jpg", dtype=np.uint8)
        bgr = cv2.imdecode(data, cv2.IMREAD_REDUCED_COLOR_2 if half else cv2.IMREAD_COLOR)
        if bgr is None:
            raise errors.MediaError(f"frame {index} of {self.source.name}'s proxy is damaged")
        if self.has_alpha:
            alpha = self._alpha(index, half, bgr.shape[:2])
            picture = np.empty((*bgr.shape[:2], 4), dtype=np.uint8)
            cv2.mixChannels([bgr, alpha], [picture], [2, 0, 1, 1, 0, 2, 3, 3])
        else:
            picture = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        picture.flags.writeable = False
        _frames.put(key, picture)
        return picture

    def _alpha(self, index: int, half: bool, size: tuple[int, int]) -> np.ndarray:
        import cv2

        data = np.fromfile(self.proxy / f"{index:06d}{ALPHA_SUFFIX}", dtype=np.uint8)
        alpha = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        if alpha is None:
            raise errors.MediaError(f"frame {index} of {self.source.name}'s proxy is damaged")
        if alpha.shape != size:  # half size: shrunk as the JPEG decoder does (pixel means)
            alpha = cv2.resize(alpha, size[::-1], interpolation=cv2.INTER_AREA)
        return alpha

    def close(self) -> None:
        _frames.drop(lambda key: key[0] == self.proxy)


_open: dict[Path, ProxyFrames] = {}
_open_lock = threading.Lock()


def proxy_frames(path: str | os.PathLike[str]) -> ProxyFrames | None:
    """The proxy reader for ``path`` if its proxy has been made, else None (never blocks)."""
    try:
        info = probe(path)
    except errors.MediaError:
        return None
    if not wants_proxy(info):
        return None
    target = proxy_path(info)
    with _open_lock:
        reader = _open.get(target)
        if reader is None and target.exists():
            reader = _open[target] = ProxyFrames(info, target)
        return reader


def close_all() -> None:
    with _open_lock:
        for reader in _open.values():
            reader.close()
        _open.clear()
