"""The editor's Share through a share server: the link fetches the render, Revoke makes it 410.

Real widgets (offscreen), a real FFmpeg render in the editor's own job log,
and ``vidgen serve``'s app under a real uvicorn on 127.0.0.1 with a job log
of its own (another machine, as far as the editor knows). The API key is
pasted in the Settings and kept in a keyring (an in-memory backend standing
in for the OS keyring). Screenshots go to VIDGEN_SHOTS in both palettes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from apikit import api_server, free_port
from test_backend_cli import os_keyring
from test_ui_hints import SHOTS, palette
from test_ui_share import endpoint, rendered, team_storage
from uikit import box_comp, make_window

from PySide6.QtCore import Qt  # isort: skip
from PySide6.QtWidgets import QApplication, QSplitter  # isort: skip

from vidgen_desktop import config, store
from vidgen_desktop.api.server import ApiServer
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.queue.local import LocalQueue
from vidgen_desktop.store.api_keys import ApiKeys
from vidgen_desktop.ui.jobs.share_ui import ShareDialog
from vidgen_desktop.ui.shell.settings_dialog import SettingsDialog

pytestmark = pytest.mark.render  # the editor renders with FFmpeg
__all__ = ["endpoint", "os_keyring", "palette", "team_storage"]
WAIT_MS = 60_000


@pytest.fixture
def share_server(tmp_path):
    """A share server on 127.0.0.1 with its own job log and folder; (base URL, state, key)."""
    settings = config.Settings(output_folder=str(tmp_path / "server-out"))
    db = store.open_local(tmp_path / "server" / "jobs.db")
    service = JobService(db, queue=None, threshold=settings.route_threshold)
    state = ApiServer(db, settings, service, LocalQueue(db, service, concurrency=1))
    key = ApiKeys(db).create("designer").key
    with api_server(settings, state) as (base, state):
        yield base, state, key


def status_of(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def set_up_server(window, base: str, key: str) -> None:
    """What a designer does: Settings > Team storage, the address, the key pasted, OK."""
    dialog = SettingsDialog(window, page="team")
    dialog.server.url.setText(base)
    dialog.server.key.setText(key)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error_label.text()


def open_job(qtbot, window, job_id):
    history = window.renders.history
    history.refresh()
    qtbot.waitUntil(lambda: job_id in [j.id for j in history.model.rows], timeout=WAIT_MS)
    history.table.selectRow([j.id for j in history.model.rows].index(job_id))
    details = history.details
    qtbot.waitUntil(lambda: details.share_button.isEnabled(), timeout=WAIT_MS)
    return details


def test_share_makes_a_tracked_link_that_revoke_in_the_job_details_turns_410(
    qtbot, home, tmp_path, share_server, os_keyring, palette
):
    base, server, key = share_server
    window = make_window(qtbot, box_comp())  # something on the canvas, for the picture
    set_up_server(window, base, key)
    assert config.load().api.server_url == base
    assert os_keyring[(config.KEYRING_SERVICE, "api_server_key")] == key
    assert key not in config.settings_path().read_text()  # the key is never in the file

    job_id, target = rendered(qtbot, window, tmp_path)
    details = open_job(qtbot, window, job_id)
    links = details.server_links
    qtbot.waitUntil(lambda: "none yet" in links.label.text(), timeout=WAIT_MS)
    dialog = details.share()
    assert isinstance(dialog, ShareDialog) and dialog.server
    assert [dialog.expiry.itemData(i) for i in range(dialog.expiry.count())] == ["1h", "1d", "7d"]
    dialog.expiry.setCurrentIndex(dialog.expiry.findData("1d"))
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.link is not None, timeout=WAIT_MS)
    url = dialog.url.text()
    assert url.startswith(base + "/s/") and "(in 1 day)" in dialog.expires.text()
    assert "sent to it" in dialog.status.text()
    assert status_of(url) == (200, target.read_bytes())  # anyone with the link: no key
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.show()  # laid out as the user sees it (a hidden dialog keeps its first layout)
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(SHOTS / f"share_server_{palette}.png"))
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == url
    dialog.accept()  # the details list the links again

    qtbot.waitUntil(lambda: len(links.links) == 1 and links.links[0].opened == 1,
                    timeout=WAIT_MS)  # fmt: skip
    row = links.tree.topLevelItem(0)
    assert [row.text(2), row.text(3)] == ["1", "active"] and row.text(4).endswith("…")
    assert row.child(0).text(1) == "opened" and "Python-urllib" in row.child(0).text(4)
    links.tree.setCurrentItem(row)
    assert links.revoke_button.isEnabled()
    links.revoke_button.click()
    qtbot.waitUntil(lambda: links.links and links.links[0].state == "revoked", timeout=WAIT_MS)
    assert not links.revoke_button.isEnabled()
    gone, body = status_of(url)
    assert gone == 410 and json.loads(body)["error"]["code"] == "gone"
    details.show_job(window.renders.hub, job_id)  # the refused access is listed too
    qtbot.waitUntil(lambda: links.links and len(links.links[0].accesses) == 2, timeout=WAIT_MS)
    assert [a.action for a in links.links[0].accesses] == ["opened", "refused"]
    assert links.tree.topLevelItem(0).text(3) == "revoked"
    history, dock = window.renders.history, window.renders.history_dock
    dock.raise_()
    window.resizeDocks([dock], [500], Qt.Orientation.Vertical)
    history.findChild(QSplitter).setSizes([200, 580])  # the details, wide enough to read
    qtbot.wait(300)  # the layout and the canvas's preview
    window.grab().save(str(SHOTS / f"window_server_links_{palette}.png"))
    dock.setFloating(True)  # a size of its own for the panel's picture
    dock.resize(1280, 800)
    qtbot.waitUntil(lambda: history.width() > 1200, timeout=5000)
    history.findChild(QSplitter).setSizes([400, 880])
    history.grab().save(str(SHOTS / f"history_server_links_{palette}.png"))

    logged = window.renders.hub.db.storage_log.links(job_id)
    assert [r.action for r in logged] == ["created", "copied", "revoked"]
    token = url.rsplit("/", 1)[1]
    assert all(token not in r.url and r.url.endswith("…") for r in logged)  # no way in
    assert [details.shares.topLevelItem(0).text(2)] == [logged[0].url]  # the share log


def share_with_the_server_down(qtbot, tmp_path, key: str):
    """A render shared while the server set in the Settings is down: (dialog, details, its URL,
    the render's file), once the dialog has answered."""
    window = make_window(qtbot)
    down = f"http://127.0.0.1:{free_port()}"
    set_up_server(window, down, key)
    job_id, target = rendered(qtbot, window, tmp_path)
    details = open_job(qtbot, window, job_id)
    dialog = details.share()
    dialog.create_button.click()
    qtbot.waitUntil(lambda: "not answering" in dialog.status.text(), timeout=WAIT_MS)
    return dialog, details, down, target


def test_an_unreachable_server_says_so_in_one_line_and_offers_nothing_without_storage(
    qtbot, home, tmp_path, os_keyring
):
    dialog, details, down, _ = share_with_the_server_down(qtbot, tmp_path, "vg_not-shown")
    assert dialog.status.text() == (
        f"The share server {down} is not answering (ConnectError); try again when it is up."
    )
    assert dialog.storage_button.isHidden() and dialog.link is None
    assert "vg_not-shown" not in dialog.status.text()
    links = details.server_links
    qtbot.waitUntil(lambda: "not answering" in links.label.text(), timeout=WAIT_MS)
    assert links.links == [] and "\n" not in links.label.text()
    assert not links.revoke_button.isEnabled()


@pytest.mark.s3
def test_an_unreachable_server_offers_a_storage_link_made_only_when_asked(
    qtbot, home, tmp_path, team_storage, os_keyring
):
    dialog, _, _, target = share_with_the_server_down(qtbot, tmp_path, "vg_key")
    assert dialog.storage_button.isVisible()
    assert dialog.status.text().endswith(
        "is not answering (ConnectError); use a storage link instead?"
    )
    assert dialog.link is None  # nothing made in the server's place
    dialog.storage_button.click()
    qtbot.waitUntil(lambda: dialog.link is not None, timeout=WAIT_MS)
    assert "X-Amz-Signature" in dialog.url.text()
    assert status_of(dialog.url.text()) == (200, target.read_bytes())


def test_the_settings_refuse_a_server_address_carrying_a_key_and_write_nothing(
    qtbot, home, os_keyring
):
    window = make_window(qtbot)
    dialog = SettingsDialog(window, page="team")
    dialog.server.url.setText("http://designer:vg_secret@127.0.0.1:8000")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and not dialog.error_label.isHidden()
    message = dialog.error_label.text()
    assert message.startswith("Share server: ") and "\n" not in message
    assert "OS keyring" in message
    assert config.load().api.server_url is None
    assert not config.settings_path().exists() or "vg_secret" not in (
        config.settings_path().read_text()
    )
    dialog.server.url.setText("http://127.0.0.1:8000/")
    dialog.accept()
    assert config.load().api.server_url == "http://127.0.0.1:8000"
    assert (config.KEYRING_SERVICE, "api_server_key") not in os_keyring  # none was pasted
