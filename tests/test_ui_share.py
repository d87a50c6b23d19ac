"""Share in the editor: the queue panel, the Job History (with re-issue), and no team storage.

Real widgets (offscreen), the real SQLite job log, a real FFmpeg render, and
moto's S3 server over real HTTP as the stand-in for the team bucket; each
link is fetched over HTTP. Screenshots go to VIDGEN_SHOTS in both palettes.
"""

from __future__ import annotations

import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

import jobkit
from test_ui_hints import SHOTS, palette
from uikit import make_window

from PySide6.QtWidgets import QApplication, QPushButton  # isort: skip

from vidgen_desktop import config
from vidgen_desktop.ui.jobs.share_ui import ShareDialog

pytestmark = [pytest.mark.render, pytest.mark.s3]  # FFmpeg; moto's S3 server stands in for S3
__all__ = ["palette"]
RENDER_MS = 60_000
KEY_ID, SECRET = "AKIAVIDGENUISHARE001", "vidgen-ui-secret-do-not-print"


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def team_storage(endpoint, monkeypatch, tmp_path):
    """A team bucket in the settings; the keys in the environment (no keyring here)."""
    name = f"ui-{uuid.uuid4().hex[:12]}"
    boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=name)  # fmt: skip
    for key, value in {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                       "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    config.update(backend={"s3_bucket": name, "s3_endpoint": endpoint})
    return name


def rendered(qtbot, window, tmp_path):
    """A short render made on this laptop, finished: its job id and file."""
    source = jobkit.clip(tmp_path, 1.0)
    target = tmp_path / "teaser.mp4"
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.service is not None, timeout=RENDER_MS)
    got = {}
    comp = jobkit.composition(source, name="teaser", seconds=1.0)
    hub.submit(comp, target, object(), lambda result, error: got.update(r=result, e=error))
    qtbot.waitUntil(lambda: "r" in got, timeout=RENDER_MS)
    assert got["e"] is None and target.is_file()
    return got["r"].job_id, target


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_without_team_storage_share_opens_the_settings_at_that_page(qtbot, home, tmp_path):
    window = make_window(qtbot)
    job_id, _ = rendered(qtbot, window, tmp_path)
    panel = window.renders.queue_panel
    qtbot.waitUntil(lambda: panel.status_of(job_id) == "completed", timeout=RENDER_MS)
    panel.select(job_id)
    assert panel.link_button.text() == "Share…" and panel.link_button.isEnabled()
    box = panel.share_selected()
    assert box.objectName() == "share_needs_storage"
    assert "Team storage" in box.informativeText()
    box.findChild(QPushButton, "share_open_settings").click()
    settings = window.renders.settings_dialog
    qtbot.waitUntil(lambda: settings is not None and settings.isVisible(), timeout=5000)
    assert settings.tabs.currentWidget() is settings.team_page
    settings.grab().save(str(SHOTS / "settings-team-storage.png"))
    settings.fields["backend.s3_bucket"].setText("team-renders")
    settings.accept()
    assert config.load().backend.s3_bucket == "team-renders"


def test_share_from_the_history_with_an_expiry_then_copy_and_reissue(
    qtbot, home, tmp_path, team_storage, palette
):
    window = make_window(qtbot)
    job_id, target = rendered(qtbot, window, tmp_path)
    history = window.renders.history
    history.refresh()
    qtbot.waitUntil(lambda: [j.id for j in history.model.rows] == [job_id], timeout=RENDER_MS)
    history.table.selectRow(0)
    details = history.details
    qtbot.waitUntil(lambda: details.share_button.isEnabled(), timeout=RENDER_MS)
    assert not details.reissue_button.isEnabled()  # nothing shared yet

    dialog = details.share()
    assert isinstance(dialog, ShareDialog)
    assert [dialog.expiry.itemData(i) for i in range(dialog.expiry.count())] == ["1h", "1d", "7d"]
    dialog.expiry.setCurrentIndex(dialog.expiry.findData("1h"))
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.link is not None, timeout=RENDER_MS)
    assert "X-Amz-Expires=3600" in dialog.url.text()
    assert dialog.expires.text().startswith("Expires ") and "(in 1 hour)" in dialog.expires.text()
    assert fetch(dialog.url.text()) == target.read_bytes()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == dialog.url.text()
    dialog.grab().save(str(SHOTS / f"share-dialog-{palette}.png"))
    log = window.renders.hub.service.store.storage_log
    qtbot.waitUntil(lambda: [r.action for r in log.links(job_id)] == ["created", "copied"],
                    timeout=RENDER_MS)  # fmt: skip
    dialog.close()

    qtbot.waitUntil(lambda: details.shares.topLevelItemCount() == 1, timeout=RENDER_MS)
    assert "in 1 hour" in details.shares.topLevelItem(0).text(1)
    details.shares.setCurrentItem(details.shares.topLevelItem(0))
    again = details.reissue()  # a new link of the same length, at once
    qtbot.waitUntil(lambda: again.link is not None, timeout=RENDER_MS)
    assert "X-Amz-Expires=3600" in again.url.text()  # (the same second signs alike)
    assert fetch(again.url.text()) == target.read_bytes()
    again.close()
    qtbot.waitUntil(lambda: details.shares.topLevelItemCount() == 2, timeout=RENDER_MS)
    history.resize(1100, 420)
    history.grab().save(str(SHOTS / f"history-shares-{palette}.png"))
    ops = window.renders.hub.service.store.storage_log.operations(job_id)
    uploads = [op for op in ops if op.operation == "upload"]
    assert [op.details.get("skipped") for op in uploads] == [None, "already stored"]
