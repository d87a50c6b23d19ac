"""Finding the FFmpeg binary, and running it.

Order: ``$VIDGEN_FFMPEG`` if set (it must point at an executable, otherwise
that is an error, not a reason to quietly use another FFmpeg), then the
binary bundled in the ``imageio-ffmpeg`` wheel, then ``ffmpeg`` on PATH.
There is no ffprobe: the bundled build ships without it, so everything here
probes with ``ffmpeg -i`` (see ``media.probe``).

``measured()`` adds up what the FFmpeg processes ``run`` starts inside it use
(CPU seconds and peak memory, from ``wait4``), in this thread and in the
threads it hands its context to (``contextvars.copy_context``):

>>> with ffmpeg.measured() as used:
...     probe.probe(path)
>>> used.total()   # ResourceUsage, or None when no FFmpeg ran (a cached probe)
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from vidgen_desktop import errors

ENV_VAR = "VIDGEN_FFMPEG"


@dataclasses.dataclass(frozen=True, slots=True)
class ResourceUsage:
    """What FFmpeg (one run's process tree, or several runs') used: CPU seconds, peak memory."""

    cpu_seconds: float
    peak_memory_mb: float
    wall_seconds: float

    @property
    def cpu_percent(self) -> float:
        """Average CPU use while FFmpeg ran (100 = one core busy the whole time)."""
        return 100.0 * self.cpu_seconds / max(self.wall_seconds, 1e-6)


class Usages:
    """The runs inside one ``measured()`` block (threads may add to it)."""

    def __init__(self) -> None:
        self._runs: list[ResourceUsage] = []
        self._lock = threading.Lock()

    def add(self, usage: ResourceUsage) -> None:
        with self._lock:
            self._runs.append(usage)

    def total(self) -> ResourceUsage | None:
        """The sum of the runs' CPU and wall time, the highest peak; None: nothing ran."""
        with self._lock:
            runs = list(self._runs)
        if not runs:
            return None
        return ResourceUsage(
            cpu_seconds=sum(r.cpu_seconds for r in runs),
            peak_memory_mb=max(r.peak_memory_mb for r in runs),
            wall_seconds=sum(r.wall_seconds for r in runs),
        )


_MEASURING: contextvars.ContextVar[Usages | None] = contextvars.ContextVar(
    "vidgen_ffmpeg_usage", default=None
)


@contextlib.contextmanager
def measured() -> Iterator[Usages]:
    """Collect what the FFmpeg runs started in the block use (see the module docstring)."""
    usages = Usages()
    token = _MEASURING.set(usages)
    try:
        yield usages
    finally:
        _MEASURING.reset(token)


def usage_of(rusage: os.struct_rusage | None, wall_seconds: float) -> ResourceUsage | None:
    """A finished process's figures from its ``wait4`` rusage (Linux: ru_maxrss in kB)."""
    if rusage is None:
        return None
    cpu = rusage.ru_utime + rusage.ru_stime
    return ResourceUsage(cpu_seconds=cpu, peak_memory_mb=rusage.ru_maxrss / 1024,
                         wall_seconds=wall_seconds)  # fmt: skip


class _Measured(subprocess.Popen):  # type: ignore[type-arg]
    """A Popen that reaps its child with ``wait4``, keeping the child's resource use."""

    rusage: os.struct_rusage | None = None

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:  # CPython's reaping hook
        try:
            pid, status, rusage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:  # SIGCHLD ignored: no status to be had (as CPython does)
            return self.pid, 0
        if pid:
            self.rusage = rusage
        return pid, status


@functools.cache
def ffmpeg_exe() -> str:
    """The path of the FFmpeg binary to run. Cached; ``ffmpeg_exe.cache_clear()`` resets it."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        found = shutil.which(os.path.expanduser(configured))
        if found is None or Path(found).is_dir():
            raise errors.FFmpegNotFoundError(
                f"{ENV_VAR} is set to {configured!r}, but there is no FFmpeg program there. "
                f"Fix the path or unset {ENV_VAR} to use the bundled FFmpeg."
            )
        return found
    bundled = _bundled_seen_before()
    if bundled is None:
        try:
            import imageio_ffmpeg

            bundled = imageio_ffmpeg.get_ffmpeg_exe()  # runs it (-version) to check it
        except (ImportError, RuntimeError):
            bundled = None
        else:
            _remember_bundled(bundled)
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    raise errors.FFmpegNotFoundError()


# imageio-ffmpeg checks the binary it finds by running it (``-version``): an FFmpeg
# process before every command's real work. The binary it chose is remembered in the
# cache folder, with its size and modification time, and trusted while they hold.
_SEEN_FILE = "ffmpeg-binary.json"


def _seen_key() -> str:
    """What else imageio-ffmpeg's choice depends on (an upgrade changes the binary's file):
    its override, and which Python environment runs (a new venv has its own imageio-ffmpeg;
    seen: a fresh venv used the system Python's binary, remembered in the shared cache)."""
    return f"{os.environ.get('IMAGEIO_FFMPEG_EXE', '')}\0{sys.prefix}"


def _bundled_seen_before() -> str | None:
    """The binary imageio-ffmpeg chose last time, if it is still that same file."""
    import json

    from vidgen_desktop import paths

    try:
        seen = json.loads((paths.cache_dir() / _SEEN_FILE).read_text(encoding="utf-8"))
        path = seen["path"]
        found = os.stat(path)
        if (seen["size"], seen["mtime_ns"]) != (found.st_size, found.st_mtime_ns):
            return None
        if seen["key"] != _seen_key() or not os.access(path, os.X_OK):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return path


def _remember_bundled(path: str) -> None:
    import json

    from vidgen_desktop import files, paths

    try:
        found = os.stat(path)
        record = {"path": path, "size": found.st_size, "mtime_ns": found.st_mtime_ns,
                  "key": _seen_key()}  # fmt: skip
        files.atomic_write(paths.cache_dir() / _SEEN_FILE, json.dumps(record))
    except OSError:
        return  # not remembered: checked again next time


def file_url(path: str | os.PathLike[str]) -> str:
    """An FFmpeg input/output name for a local file, safe for any file name.

    The ``file:`` prefix stops FFmpeg reading ``a:b.mp4`` as protocol ``a`` or
    ``concat:…`` as a concatenation; the path is absolute so ``-x.mp4`` is
    never an option either.
    """
    return "file:" + os.path.abspath(os.fspath(path))


def run(args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run FFmpeg with ``args`` (no shell), capturing stdout and stderr as bytes; inside
    ``measured()``, what it used is added there."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    usages = _MEASURING.get()
    if usages is None or not hasattr(os, "wait4"):
        return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)  # fmt: skip
    started = time.monotonic()
    with _Measured(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE) as process:  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        finally:
            used = usage_of(process.rusage, time.monotonic() - started)
            if used is not None:
                usages.add(used)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def stderr_text(raw: bytes) -> str:
    """FFmpeg's stderr as text (it writes file names as UTF-8 bytes)."""
    return raw.decode("utf-8", errors="replace")
