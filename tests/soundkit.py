"""A real sound server for the playback tests: PulseAudio with a null sink.

The machine has no sound card; PulseAudio's null sink consumes samples in real
time like one, so PortAudio (ALSA's pulse plugin) gets a real, paced output and
the audio clock is real. Started once per session on a private socket.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sound_server(tmp_path_factory):
    exe = shutil.which("pulseaudio")
    if exe is None:
        pytest.fail("pulseaudio is not installed (.ci/run installs it): the playback tests need it")
    folder = tmp_path_factory.mktemp("pulse")
    socket = folder / "native"
    env = {**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder)}
    server = subprocess.Popen(
        [exe, "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
         "--load=module-null-sink sink_name=vidgen_test",
         f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
         "--load=module-always-sink"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not socket.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            pytest.fail(f"pulseaudio did not start: {server.stderr.read().decode()[-300:]}")
        time.sleep(0.05)
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    _reload_portaudio()
    yield Path(socket)
    if previous is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = previous
    server.terminate()
    server.wait(timeout=10)
    server.stderr.close()
    _reload_portaudio()


def _reload_portaudio() -> None:
    """PortAudio lists devices when it starts: start it again to see the server."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()
