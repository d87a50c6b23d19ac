"""Decoded pictures for the preview: still images and video frames as RGBA arrays.

Everything returned is ``uint8`` of shape (height, width, 4), RGBA, upright,
and read-only (arrays are shared through caches; copy before drawing on one).

Agreement with FFmpeg (what the renderer uses), decided here:
- Frame ``k`` of a video is the ``k``-th frame FFmpeg decodes, counting from
  0 at the first decoded frame, with no frames duplicated or dropped for a
  constant rate. That is the index ``composition.layout.source_frame_index``
  returns.
- Rotation: FFmpeg turns pictures upright on decode (display matrix for
  video, EXIF orientation for images), so we do too: OpenCV's video reader
  with ``CAP_PROP_ORIENTATION_AUTO`` on (its default, set explicitly), and
  for images the EXIF transform applied after ``cv2.imdecode``, which reads
  the stored pixels. ``probe`` reports the upright size.
- Videos that can be see-through (ProRes 4444, GIF…) are decoded by an
  FFmpeg pipe instead, because OpenCV drops alpha. A jump back (or far
  ahead) restarts FFmpeg with an input seek half a frame before frame ``k``,
  as ``render.exact.video_frame`` seeks: FFmpeg starts at the keyframe
  before and drops the frames earlier than that time, so the pipe begins
  at frame ``k`` of a constant-rate file. GIFs (often variable-rate) count
  frames from the top with ``select`` instead.
"""

from __future__ import annotations

import math
import os
import subprocess
import threading
from collections import OrderedDict

import cv2
import numpy as np

from vidgen_desktop import errors
from vidgen_desktop.media import ffmpeg, imagefile
from vidgen_desktop.media.byte_cache import ByteLRU
from vidgen_desktop.media.probe import MediaInfo, probe

IMAGE_CACHE_BYTES = 512 * 1024 * 1024  # decoded stills kept in memory
OPEN_READERS = 8  # videos kept open by ``video_frames``


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _to_rgba(image: np.ndarray) -> np.ndarray:
    """Whatever ``cv2.imdecode(…, IMREAD_UNCHANGED)`` returned, as RGBA uint8."""
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = (np.clip(image.astype(np.float32), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2RGBA)
    if channels == 2:  # gray + alpha
        gray = cv2.cvtColor(np.ascontiguousarray(image[:, :, 0]), cv2.COLOR_GRAY2RGBA)
        gray[:, :, 3] = image[:, :, 1]
        return gray
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA)
    return cv2.cvtColor(image[:, :, :4], cv2.COLOR_BGRA2RGBA)


def _orient(image: np.ndarray, orientation: int) -> np.ndarray:
    degrees, mirrored = imagefile.orientation_transform(orientation)
    if mirrored:
        image = image[:, ::-1]
    if degrees:
        image = np.rot90(image, k=-(degrees // 90))  # np.rot90 turns counter-clockwise
    return np.ascontiguousarray(image)


def _ffmpeg_picture(info: MediaInfo) -> np.ndarray:
    """The first picture of ``info`` decoded by FFmpeg itself (upright, alpha kept)."""
    result = ffmpeg.run(
        [
            "-v",
            "error",
            "-i",
            ffmpeg.file_url(info.path),
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-",
        ],
        timeout=120,
    )
    expected = info.width * info.height * 4
    if result.returncode != 0 or len(result.stdout) < expected:
        raise errors.MediaError(
            f"{info.name} could not be decoded; it may be damaged",
            path=info.path,
            detail=ffmpeg.stderr_text(result.stderr),
        )
    return np.frombuffer(result.stdout[:expected], np.uint8).reshape(info.height, info.width, 4)


_images = ByteLRU(IMAGE_CACHE_BYTES)  # decoded stills by (path, size, mtime)


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """A still image as read-only RGBA uint8 (H, W, 4), upright, alpha kept. Cached.

    Raises ``MediaError`` for anything ``probe`` refuses and for videos or sound.
    """
    info = probe(path)
    if info.kind != "image":
        raise errors.MediaError(f"{info.name} is {info.kind}, not a still image", path=info.path)
    stat = os.stat(info.path)
    key = (info.path, stat.st_mtime_ns, stat.st_size)
    cached = _images.get(key)
    if cached is not None:
        return cached
    image = _decode_image(info)
    if image.shape[:2] != (info.height, info.width):
        image = _ffmpeg_picture(info)  # OpenCV disagreed with FFmpeg: FFmpeg is the reference
    image = _readonly(image)
    _images.put(key, image)
    return image


load_image.cache_clear = _images.clear  # type: ignore[attr-defined]


def _decode_image(info: MediaInfo) -> np.ndarray:
    if info.video_codec == "gif":  # OpenCV reads GIFs without their transparency
        return _ffmpeg_picture(info)
    data = np.fromfile(info.path, np.uint8)  # np.fromfile + imdecode: any file name works
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if decoded is None:
        return _ffmpeg_picture(info)
    return _orient(_to_rgba(decoded), imagefile.exif_orientation(info.path))


class VideoFrames:
    """Random access to one video's frames: ``frame(k)`` is FFmpeg's frame ``k``.

    Reading ``k`` right after ``k - 1`` decodes one frame; any other index
    seeks. Indexes past the end give the last frame. Safe to share between
    threads; ``close()`` releases the decoder (a later ``frame()`` reopens it).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.info = probe(path)
        if self.info.kind != "video":
            raise errors.MediaError(
                f"{self.info.name} is {self.info.kind}, not a video", path=self.info.path
            )
        reader_type = _PipeReader if self.info.has_alpha else _OpenCVReader
        self._reader: _OpenCVReader | _PipeReader = reader_type(self.info)
        self._lock = threading.Lock()
        self._last: tuple[int, np.ndarray] | None = None
        self._end = self.info.frame_count  # first index known to be past the end, if known

    @property
    def path(self) -> str:
        return self.info.path

    def frame(self, index: int) -> np.ndarray:
        """Read-only RGBA uint8 (H, W, 4) of source frame ``index`` (clamped to the video)."""
        with self._lock:
            index = max(0, index)
            if self._end is not None:
                index = min(index, self._end - 1)
            while True:
                if self._last is not None and self._last[0] == index:
                    return self._last[1]
                picture = self._reader.read(index)
                if picture is not None:
                    self._last = (index, _readonly(picture))
                    return self._last[1]
                if index == 0:
                    raise errors.MediaError(
                        f"{self.info.name} has no frames that can be decoded; it may be damaged",
                        path=self.path,
                    )
                # The container promised more frames than there are: hold the real last one.
                self._end = index
                index -= 1

    def close(self) -> None:
        with self._lock:
            self._reader.close()
            self._last = None

    def __enter__(self) -> VideoFrames:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _OpenCVReader:
    def __init__(self, info: MediaInfo) -> None:
        self.info = info
        self._capture: cv2.VideoCapture | None = None
        self._next = 0  # the index the next plain read() returns

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(self.info.path, cv2.CAP_FFMPEG)
        capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        if not capture.isOpened():
            raise errors.MediaError(
                f"{self.info.name} could not be opened for the preview", path=self.info.path
            )
        self._capture, self._next = capture, 0
        return capture

    def read(self, index: int) -> np.ndarray | None:
        capture = self._capture or self._open()
        if index != self._next:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            landed = int(round(capture.get(cv2.CAP_PROP_POS_FRAMES)))
            if landed != index:  # the seek missed: redo it the slow, exact way
                capture = self._read_up_to(index)
        ok, bgr = capture.read()
        if not ok or bgr is None:
            self._next = -1  # unknown position: the next read seeks
            return None
        self._next = index + 1
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA)

    def _read_up_to(self, index: int) -> cv2.VideoCapture:
        """The exact, slow way: reopen and decode forward to ``index``."""
        self.close()
        capture = self._open()
        for _ in range(index):
            if not capture.grab():
                break
        return capture

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._next = 0


class _PipeReader:
    """FFmpeg decoding to raw RGBA on a pipe: keeps alpha, which OpenCV drops."""

    def __init__(self, info: MediaInfo) -> None:
        self.info = info
        self._process: subprocess.Popen[bytes] | None = None
        self._next = 0
        self._frame_bytes = info.width * info.height * 4
        # a jump further ahead than this reopens with a seek rather than decode across
        self._skip_limit = max(1, round(info.fps or 25))
        self._seeks = bool(info.fps) and info.video_codec != "gif"

    def _position(self, index: int) -> list[str]:
        """Arguments that make the pipe start at frame ``index``."""
        if index <= 0:
            return ["-i", ffmpeg.file_url(self.info.path)]
        if self._seeks:
            assert self.info.fps
            seek = math.floor((index - 0.5) / self.info.fps * 1e6) / 1e6
            return ["-ss", f"{seek:.6f}", "-i", ffmpeg.file_url(self.info.path)]
        return ["-i", ffmpeg.file_url(self.info.path), "-vf", f"select=gte(n\\,{index})"]

    def _start(self, index: int) -> subprocess.Popen[bytes]:
        self.close()
        args = [
            ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error",
            # one decoding thread: more decode frames ahead in parallel, and a jump kills
            # them unused (measured: half the CPU per jump, the same time to the frame)
            "-threads", "1",
            *self._position(index), "-map", "0:v:0", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "rgba", "-",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._next = index
        return self._process

    def read(self, index: int) -> np.ndarray | None:
        process = self._process
        behind = index < self._next
        if process is None or behind or index - self._next > self._skip_limit:
            process = self._start(index)
        assert process.stdout is not None
        while self._next < index:  # a short jump forward: skip frames on the pipe
            if len(process.stdout.read(self._frame_bytes)) < self._frame_bytes:
                self.close()
                return None
            self._next += 1
        data = process.stdout.read(self._frame_bytes)
        if len(data) < self._frame_bytes:
            self.close()
            return None
        self._next = index + 1
        # bytes are immutable: the array is read-only already, and no copy is made
        return np.frombuffer(data, np.uint8).reshape(self.info.height, self.info.width, 4)

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self._next = 0


_readers: OrderedDict[tuple[str, int, int], VideoFrames] = OrderedDict()
_readers_lock = threading.Lock()


def video_frames(path: str | os.PathLike[str]) -> VideoFrames:
    """A shared, open ``VideoFrames`` for ``path`` (the least recently used one is closed)."""
    full = os.path.abspath(os.fspath(path))
    try:
        stat = os.stat(full)
        key = (full, stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (full, 0, 0)  # VideoFrames raises the designer-facing error
    with _readers_lock:
        reader = _readers.get(key)
        if reader is not None:
            _readers.move_to_end(key)
            return reader
    reader = VideoFrames(full)
    with _readers_lock:
        _readers[key] = reader
        while len(_readers) > OPEN_READERS:
            _, oldest = _readers.popitem(last=False)
            oldest.close()
    return reader


def close_all() -> None:
    """Close every reader ``video_frames`` opened (on shutdown, and between tests)."""
    with _readers_lock:
        readers = list(_readers.values())
        _readers.clear()
    for reader in readers:
        reader.close()
