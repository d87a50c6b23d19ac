"""The README's "HTTP API" curl examples, run as written against a real `vidgen serve`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from apikit import free_port, media_server
from jobkit import clip
from vidgen_desktop import config
from vidgen_desktop.media import probe

pytestmark = pytest.mark.render

REPO = Path(__file__).resolve().parents[1]


def blocks() -> tuple[str, dict, str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## HTTP API", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    setup = next(body for lang, body in found if lang == "sh")
    request = json.loads(next(body for lang, body in found if lang == "json"))
    script = [body for lang, body in found if lang == "sh"][1]
    return setup, request, script


def test_the_readme_curl_examples_work_against_vidgen_serve(tmp_path, monkeypatch) -> None:
    setup, request, script = blocks()
    assert "vidgen serve --port 8000" in setup
    home = tmp_path / "home"
    monkeypatch.setenv("VIDGEN_HOME", str(home))
    (tmp_path / "media").mkdir()
    source = clip(tmp_path / "media", 2.0, (96, 72))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "VIDGEN_HOME": str(home)}
    vidgen = [sys.executable, "-m", "vidgen_desktop"]
    with media_server(tmp_path) as media:
        settings = config.Settings(output_folder=str(tmp_path / "out"))
        settings.api.allowed_source_prefixes = [f"{media}/media/"]
        config.save(settings)
        request["elements"][0]["source_url"] = f"{media}/media/{source.name}"
        request.update(width=160, height=90, quality="draft")  # tiny, as the house rules ask
        (tmp_path / "request.json").write_text(json.dumps(request))
        port = free_port()
        line = setup.splitlines()[0].split("#")[0].split()[1:]  # serve --port 8000
        log = (tmp_path / "serve.log").open("w")
        server = subprocess.Popen(
            [*vidgen, *line[:-1], str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            api = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(api + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.2)
            shell = f'vidgen() {{ "{sys.executable}" -m vidgen_desktop "$@"; }}\nset -e\n'
            for command in setup.splitlines()[1:]:  # api-key create, list
                shell += command.split("#")[0] + "\n"
            done = subprocess.run(
                ["bash", "-c", shell + script],
                cwd=tmp_path,
                env={**env, "API": api},
                capture_output=True,
                text=True,
                timeout=300,
            )
            served = (tmp_path / "serve.log").read_text
            assert done.returncode == 0, done.stdout + done.stderr + served()
            assert '"status":"completed"' in done.stdout and "event: status" in done.stdout
            assert "revoked share link" in done.stdout
            info = probe.probe(tmp_path / "video.mp4")
            assert (info.width, info.height, info.has_video) == (160, 90, True)
            url = re.search(r'"video_url":"([^"]+)"', done.stdout)[1]
            assert httpx.get(url).status_code == 410
            listed = subprocess.run([*vidgen, "api-key", "list"], env=env, capture_output=True,
                                    text=True, check=True).stdout  # fmt: skip
            assert " ci" in listed and " curl" in listed
        finally:
            server.terminate()
            server.wait(30)
            log.close()
