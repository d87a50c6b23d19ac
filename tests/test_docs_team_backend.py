"""``docs/team-backend.md`` as a new user follows it: its shell blocks run, in order, as written.

The page's shell blocks become one bash script, run with ``set -e``; the only
additions are the harness's: ``vidgen`` is this checkout's
(``python -m vidgen_desktop``), the values of step 0 are pointed at a fresh
database on the real PostgreSQL and at moto's S3 server (the stand-in for the
team bucket, reached by the real ``aws`` CLI), each block prints a marker so
the output can be checked step by step, and the worker started in the
background is stopped at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobkit import clip, composition, save
from teamkit import database
from test_farm_e2e import FAST, endpoint

from vidgen_desktop.store import migrate

pytestmark = [pytest.mark.postgres, pytest.mark.render, pytest.mark.s3]
__all__ = ["endpoint"]
PAGE = Path(__file__).parent.parent / "docs" / "team-backend.md"
KEY_ID, SECRET = "AKIAVIDGENDOCS000001", "vidgen-docs-secret-do-not-print"


def blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def test_the_walk_through_runs_as_written(tmp_path, endpoint):
    assert shutil.which("aws"), "the walk-through's bucket step uses the aws CLI"
    steps = blocks(PAGE.read_text())
    assert len(steps) == 7 and steps[0].lstrip().startswith("export TEAM_DB=")
    with database(migrated=False) as url:
        ours = {"TEAM_DB": url, "BUCKET": "team-renders", "S3_ENDPOINT": endpoint,
                "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}  # fmt: skip
        harness = "".join(f"export {k}='{v}'\n" for k, v in ours.items())
        script = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT"]
        for number, step in enumerate(steps):
            script += [f"echo '=== step {number}'", step]
            if number == 0:  # the reader's values, then ours
                script.append(harness)
        command = tmp_path / "bin" / "vidgen"  # this checkout's, as a command on PATH
        command.parent.mkdir()
        command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vidgen_desktop "$@"\n')
        command.chmod(0o755)
        save(composition(clip(tmp_path, 1.0), name="promo", seconds=1.0), tmp_path / "promo.json")
        env = {**os.environ, **FAST, "VIDGEN_HOME": str(tmp_path / "home"),
               "VIDGEN_OUTPUT_DIR": str(tmp_path / "videos"),
               "PATH": f"{command.parent}{os.pathsep}{os.environ['PATH']}",
               "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
               "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
        for name in ("VIDGEN_DATABASE_URL", "VIDGEN_S3_BUCKET", "VIDGEN_S3_ENDPOINT"):
            env.pop(name, None)
        done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=240)  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr}"
    said = dict(re.findall(r"=== step (\d)\n(.*?)(?==== step|\Z)", out, flags=re.S))
    assert "backend.s3_endpoint" in said["2"] and "backend.database_url" in said["2"]
    assert f"schema at {migrate.HEAD}" in said["3"] and "storage" in said["3"]
    farm = re.search(r"^output_path\s+(\S+)", said["5"], flags=re.M)
    assert farm and Path(farm[1]).is_file() and Path(farm[1]).parent == tmp_path / "videos"
    assert re.search(r"^\w{8} completed ", said["5"], flags=re.M)  # jobs watch, to the end
    assert re.search(r"^output_url\s+http\S+X-Amz-Expires=604800", said["5"], flags=re.M)
    assert re.search(r"^http\S+X-Amz-Expires=86400", said["5"], flags=re.M)  # vidgen share
    assert "healthy" in said["5"] and "pulled" in said["6"]
    assert SECRET not in out + done.stderr
