"""Run FFmpeg: argument list, no shell, progress parsed, cancel, atomic output.

FFmpeg writes to a hidden temporary file beside the target; only after it
exits cleanly and the file checks out is it renamed into place. On failure
or cancel the temporary file is removed, so the output folder never holds a
partial video. A writer killed outright leaves its partial, locked until its
FFmpeg has gone too; the next render of the same target removes it (see
``render.partials``).
"""

from __future__ import annotations

import collections
import ctypes
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop.errors import RenderCancelled, RenderError, display_name
from vidgen_desktop.files import move_into_place
from vidgen_desktop.media.ffmpeg import ResourceUsage, usage_of
from vidgen_desktop.render import partials
from vidgen_desktop.render.partials import PARTIAL_MARK, partial_path

__all__ = ["PARTIAL_MARK", "FFmpegProcess", "Progress", "ResourceUsage", "partial_path"]

STDERR_TAIL_LINES = 40
TERMINATE_GRACE = 3.0  # seconds between SIGTERM and SIGKILL on cancel


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a render is: ``fraction`` 0–1, encoded seconds, speed (× real time), ETA seconds."""

    fraction: float
    out_time: float
    speed: float | None = None
    eta: float | None = None
    frame: int | None = None
    done: bool = False


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from Linux's /proc (just ``pid`` elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as kids:
                    todo.extend(int(k) for k in kids.read().split())
        except (OSError, ValueError):
            continue
    return found


def sample_tree(pid: int) -> tuple[float, float] | None:
    """CPU seconds so far and resident memory (MB) of ``pid``'s process tree, from /proc;
    None where there is no /proc or the process has gone."""
    cpu = rss = 0.0
    seen = False
    for member in _tree(pid):
        try:
            with open(f"/proc/{member}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{member}/statm", encoding="ascii") as statm:
                pages = int(statm.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        seen = True  # utime stime cutime cstime: fields 14-17 of stat, 12-15 after the name
        cpu += sum(int(v) for v in fields[11:15]) / _TICK
        rss += pages * _PAGE / 2**20
    return (cpu, rss) if seen else None


# /proc counts CPU in clock ticks (10 ms): over 40 ms two busy cores read as 100-300 %
# (seen: 267 % on 2 cores in CI); a sample spans at least this, and never exceeds the cores
MIN_SAMPLE_SECONDS = 0.5

ProgressCallback = Callable[[Progress], None]
Verifier = Callable[[Path], None]


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, have FFmpeg killed when the process that started it dies (kill -9 of a
    queue or farm worker), instead of rendering on as an orphan. Elsewhere: None.

    libc is looked up here, in the parent: the child only makes one system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return set_parent_death_signal


def _parse_speed(value: str) -> float | None:
    try:
        return float(value.rstrip("x").strip())
    except ValueError:
        return None


class FFmpegProcess:
    """One FFmpeg run. ``run()`` blocks; ``cancel()`` may be called from any thread."""

    def __init__(
        self,
        exe: str,
        args_for: Callable[[str], list[str]],
        target: str | os.PathLike[str],
        *,
        duration: float,
        on_progress: ProgressCallback | None = None,
        verify: Verifier | None = None,
    ) -> None:
        self.exe = exe
        self.args_for = args_for
        self.target = Path(target)
        self.duration = max(duration, 1e-6)
        self.on_progress = on_progress
        self.verify = verify
        self._cancelled = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.pid: int | None = None
        self.usage: ResourceUsage | None = None  # set when FFmpeg has exited
        # FFmpeg's last progress report (frame=, total_size=, out_time_us=, …) when it
        # reported the end (progress=end): what it wrote, for ``verify`` to check
        self.reported: dict[str, str] | None = None
        self._peak_mb = 0.0
        self._last_sample: tuple[float, float] | None = None  # (monotonic time, cpu seconds)
        self._partial_fd = -1  # holds the partial's lock while this render writes it

    def sample(self) -> tuple[float | None, float | None]:
        """Now: CPU % since the previous sample (None the first time) and memory (MB) of
        FFmpeg's process tree; (None, None) when it is not running or there is no /proc."""
        pid = self.pid
        found = sample_tree(pid) if pid is not None else None
        if found is None:
            return None, None
        cpu, rss = found
        self._peak_mb = max(self._peak_mb, rss)
        now, last = time.monotonic(), self._last_sample
        if last is not None and now - last[0] < MIN_SAMPLE_SECONDS:
            return None, rss  # too short to mean anything: the next sample spans this one
        self._last_sample = (now, cpu)
        if last is None:
            return None, rss
        percent = 100.0 * (cpu - last[1]) / (now - last[0])
        return min(percent, 100.0 * (os.cpu_count() or 1)), rss

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop FFmpeg (terminate, then kill); ``run()`` then raises RenderCancelled."""
        self._cancelled.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            threading.Thread(target=self._kill_later, args=(process,), daemon=True).start()

    @staticmethod
    def _kill_later(process: subprocess.Popen[bytes]) -> None:
        try:
            process.wait(TERMINATE_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()

    def run(self) -> Path:
        """Render to the target; return it. Raises RenderError / RenderCancelled."""
        self.target.parent.mkdir(parents=True, exist_ok=True)
        partials.remove_stale(self.target)  # left by renders of it that were killed
        try:
            tmp, self._partial_fd = partials.create(self.target)
        except OSError as exc:
            folder = display_name(self.target.parent, full=True)
            raise RenderError(
                f"cannot write in {folder}: {exc.strerror or exc}", detail=repr(exc)
            ) from exc
        try:
            command = [
                self.exe,
                "-progress",
                "pipe:1",
                "-nostats",
                "-v",
                "error",
                *self.args_for(str(tmp)),
            ]
            self._execute(command)
            if self.cancelled:
                raise RenderCancelled("the render was cancelled")
            if not tmp.exists() or tmp.stat().st_size == 0:
                raise RenderError("FFmpeg finished but wrote no video", detail=self._tail())
            if self.verify is not None:
                self.verify(tmp)
            move_into_place(tmp, self.target)  # flushed: a crash leaves no half file
        finally:
            if tmp.exists():
                tmp.unlink()
            os.close(self._partial_fd)  # the lock goes with it
            self._partial_fd = -1
        return self.target

    def _execute(self, command: list[str]) -> None:
        if self.cancelled:
            raise RenderCancelled("the render was cancelled")
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent(),
                # FFmpeg shares the partial's lock: it stays taken while either process lives
                pass_fds=(self._partial_fd,) if self._partial_fd >= 0 else (),
            )
        except OSError as exc:
            raise RenderError(f"cannot start FFmpeg ({self.exe}): {exc.strerror}") from exc
        with self._lock:
            self._process = process
            self.pid = process.pid
        if self.cancelled:  # cancel() raced with the start
            self.cancel()
        reader = threading.Thread(target=self._read_stderr, args=(process,), daemon=True)
        reader.start()
        started = time.monotonic()
        fields: dict[str, str] = {}
        assert process.stdout is not None
        for raw in process.stdout:
            key, _, value = raw.decode("utf-8", "replace").strip().partition("=")
            fields[key] = value
            if key == "progress":
                if value == "end":
                    self.reported = fields
                self._emit(fields, started, done=value == "end")
                fields = {}
        code = self._wait(process, started)
        reader.join(5)
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
        if self.cancelled:
            raise RenderCancelled("the render was cancelled")
        if code != 0:
            raise RenderError(self._summary(code), detail=self._tail())

    def _wait(self, process: subprocess.Popen[bytes], started: float) -> int:
        """Wait for FFmpeg and keep what its tree used (``usage``): exact from ``wait4``
        where the OS has it, else the last /proc sample."""
        sampled = sample_tree(process.pid)
        if sampled is not None:
            self._peak_mb = max(self._peak_mb, sampled[1])
        try:
            _, status, rusage = os.wait4(process.pid, 0)  # type: ignore[attr-defined]
        except (AttributeError, ChildProcessError):  # no wait4, or reaped by a cancel's wait
            code = process.wait()
            cpu = sampled[0] if sampled is not None else 0.0
            peak = self._peak_mb
        else:
            process.returncode = code = os.waitstatus_to_exitcode(status)
            used = usage_of(rusage, time.monotonic() - started)
            assert used is not None
            peak = max(self._peak_mb, used.peak_memory_mb)  # a /proc sample may have seen more
            self.usage = dataclasses.replace(used, peak_memory_mb=peak)
            return code
        self.usage = ResourceUsage(cpu_seconds=cpu, peak_memory_mb=peak,
                                   wall_seconds=time.monotonic() - started)  # fmt: skip
        return code

    def _read_stderr(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.stderr_tail.append(line)

    def _emit(self, fields: dict[str, str], started: float, *, done: bool) -> None:
        if self.on_progress is None:
            return
        try:
            out_time = max(0.0, int(fields.get("out_time_us", "0")) / 1e6)
        except ValueError:
            out_time = 0.0
        fraction = 1.0 if done else min(1.0, out_time / self.duration)
        speed = _parse_speed(fields.get("speed", ""))
        elapsed = time.monotonic() - started
        eta = None
        if done:
            eta = 0.0
        elif fraction > 0.01:
            eta = elapsed * (1 - fraction) / fraction
        frame = int(fields["frame"]) if fields.get("frame", "").isdigit() else None
        self.on_progress(Progress(fraction, out_time, speed, eta, frame, done))

    def _tail(self) -> str:
        return "\n".join(self.stderr_tail)

    def _summary(self, code: int) -> str:
        last = next((line for line in reversed(self.stderr_tail) if line.strip()), "")
        reason = last.replace("file:", "") if last else f"FFmpeg exited with status {code}"
        return f"the render failed: {reason}"
