"""The real editor on a real X server: Xvfb, the editor as a subprocess, xdotool for keys.

Key bindings differ between Qt's offscreen platform and xcb (the platform
theme decides what a standard key means), so the keyboard tests run here too.
Without Xvfb and xdotool the tests are skipped, unless ``VIDGEN_REQUIRE_X11``
is set (``.ci/run`` sets it and installs them): CI never skips them silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WAIT = 30.0  # seconds: generous, the machine may be busy; a pass takes far less


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} (apt-get install xvfb xdotool)"
    if os.environ.get("VIDGEN_REQUIRE_X11"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb server; its display name (``:N``, a number it picked itself)."""
    _need("Xvfb", "xdotool")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def wait_for(what: str, check: Callable[[], object], timeout: float = WAIT) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Editor:
    """``vidgen gui`` in a subprocess on ``display``, driven with xdotool."""

    def __init__(self, display: str, home: Path, *args: str, script: str | None = None) -> None:
        """``script``: Python run instead of ``vidgen gui`` (the app with a test's watcher)."""
        self.env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "VIDGEN_HOME": str(home),
        }
        self.env.pop("WAYLAND_DISPLAY", None)
        self.log = home / "editor.log"
        home.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                *(("-c", script) if script else ("-m", "vidgen_desktop", "gui")),
                *args,
            ],  # fmt: skip
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def xdotool(self, *args: str) -> str:
        result = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=WAIT
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    def window(self, title: str) -> str:
        """The id of the visible window titled exactly ``title`` (waits for it)."""

        def find() -> str:
            if self.process.poll() is not None:
                raise AssertionError(f"the editor exited:\n{self.log.read_text()}")
            for wid in self.xdotool("search", "--onlyvisible", "--name", ".").split():
                if self.xdotool("getwindowname", wid) == title:
                    return wid
            return ""

        return str(wait_for(f"a window titled {title!r}", find))

    def title(self, wid: str) -> str:
        return self.xdotool("getwindowname", wid)

    def wait_title(self, wid: str, title: str) -> None:
        try:
            wait_for(f"the title {title!r}", lambda: self.title(wid) == title)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the title is {self.title(wid)!r}") from None

    def focus(self, wid: str) -> None:
        self.xdotool("windowfocus", "--sync", wid)

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "50", *keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "20", text)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._log_file.close()
