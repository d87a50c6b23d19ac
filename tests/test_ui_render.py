"""Rendering from the editor: the dialog, immediate renders, the queue panel, cancel, settings."""

from __future__ import annotations

import json
import threading

import pytest

import jobkit
import uikit
from uikit import make_window

from PySide6.QtCore import Qt  # isort: skip
from PySide6.QtWidgets import QSystemTrayIcon

from vidgen_desktop import config
from vidgen_desktop.composition.model import Composition, Output, TextElement, VideoElement
from vidgen_desktop.ui.shell import files
from vidgen_desktop.ui.shell.actions import ActionId
from vidgen_desktop.ui.shell.notify import Notifier

home = uikit.home
media = uikit.media
RENDER_MS = 90_000  # generous: two cores, FFmpeg and the test runner share them

pytestmark = pytest.mark.render


def tiny_comp(name: str = "tiny") -> Composition:
    text = TextElement(id="title", text="Hi", background="#3366ff", x="10%", y="10%",
                       width="80%", height="50%")  # fmt: skip
    output = Output(width=160, height=120, fps=15, duration=0.6, quality="draft")
    return Composition(name=name, output=output, elements=[text])


def open_dialog(qtbot, window):
    window.actions[ActionId.RENDER].trigger()
    dialog = window.renders.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=RENDER_MS)
    return dialog


def set_threshold_in_settings(qtbot, window, value: str) -> None:
    window.actions[ActionId.SETTINGS].trigger()
    dialog = window.renders.settings_dialog
    dialog.threshold.setText(value)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible()


def test_render_now_shows_progress_and_ends_with_the_file(qtbot, home, tmp_path, monkeypatch):
    window = make_window(qtbot, tiny_comp())
    dialog = open_dialog(qtbot, window)
    assert dialog.route_label.text().startswith("Renders now")
    target = tmp_path / "renders" / "tiny.mp4"
    target.parent.mkdir()
    dialog.path_edit.setText(str(target))
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    qtbot.mouseClick(dialog.render_button, Qt.MouseButton.LeftButton)
    assert dialog.state == "rendering" and dialog.progress.isVisible()
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=RENDER_MS)
    assert dialog.state == "done", dialog.status_label.text()
    assert target.is_file() and target.stat().st_size > 0
    assert seen and seen[-1] == 100
    assert str(target) in dialog.status_label.text()
    opened = []
    monkeypatch.setattr(files, "open_url", lambda url: opened.append(url.toLocalFile()) or True)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert opened == [str(target), str(target.parent)]
    # Share sits next to them; without team storage it says what to set up (a file: URL
    # would reach nobody) and offers the Settings at that page
    assert dialog.link_button.isVisible() and dialog.link_button.text() == "Share…"
    box = dialog.share()
    assert box.objectName() == "share_needs_storage"
    box.close()


def test_render_before_the_job_log_is_open_waits_visibly(qtbot, home, tmp_path, monkeypatch):
    from vidgen_desktop.ui.jobs.render_hub import RenderHub

    held: list[RenderHub] = []
    start = RenderHub.start
    monkeypatch.setattr(RenderHub, "start", lambda hub: held.append(hub))  # opened below
    window = make_window(qtbot, tiny_comp())
    hub = window.renders.hub
    qtbot.waitUntil(lambda: held == [hub], timeout=RENDER_MS)
    assert not hub.is_ready
    window.actions[ActionId.RENDER].trigger()  # at once: the dialog opens and says why it waits
    dialog = window.renders.dialog
    assert dialog.isVisible() and dialog.state == "estimating"
    assert dialog.route_label.text() == "Preparing the job log…"
    assert window.renders.history.page_label.text() == "Preparing the job log…"
    start(hub)
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=RENDER_MS)
    assert dialog.route_label.text().startswith("Renders now")
    dialog.path_edit.setText(str(tmp_path / "tiny.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state == "done", timeout=RENDER_MS)


def test_render_progress_names_each_step_and_the_headline_becomes_the_outcome(
    qtbot, home, tmp_path
):
    window = make_window(qtbot, tiny_comp())
    dialog = open_dialog(qtbot, window)
    # never calibrated, never rendered: no time is promised
    assert dialog.route_label.text() == "Renders now · first render on this machine: calibrating"
    assert " s for " not in dialog.reason_label.text()  # no figure below it either
    seen: list[tuple[str, int]] = []
    # connected after the dialog: sees each event's effect on what the designer reads
    window.renders.hub.job_event.connect(
        lambda _: seen.append((dialog.status_label.text(), dialog.progress.value()))
    )
    dialog.path_edit.setText(str(tmp_path / "tiny.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=RENDER_MS)
    assert dialog.state == "done", dialog.status_label.text()
    texts = [text for text, _ in seen]
    firsts = [next(i for i, t in enumerate(texts) if t.startswith(prefix))
              for prefix in ("Step 1 of 3 · Reading media", "Step 2 of 3 · Planning",
                             "Step 3 of 3 · Rendering")]  # fmt: skip
    assert firsts == sorted(firsts)  # in order, each named
    values = [value for _, value in seen]
    assert values == sorted(values) and values[firsts[1]] > 0 and values[firsts[2]] > 0
    headline = dialog.route_label.text()
    assert headline.startswith("Rendered in ") and headline.endswith(" s"), headline
    assert "Renders now" not in headline and dialog.reason_label.text() == ""


def test_a_calibrated_machine_gets_a_time_and_a_cancel_is_the_headline(qtbot, home, tmp_path):
    from vidgen_desktop.jobs import speed
    from vidgen_desktop.render.estimate import MachineSpeed
    from vidgen_desktop.store import open_local

    with open_local() as db:
        speed.save(db.metrics, MachineSpeed(source="calibrated"))
    window = make_window(qtbot, jobkit.slow_composition(tmp_path, seconds=600))
    config.update(route_threshold=86_400)  # a long render, here and now
    dialog = open_dialog(qtbot, window)
    assert dialog.route_label.text().startswith("Renders now, ~")
    dialog.path_edit.setText(str(tmp_path / "long.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Step 3"), timeout=RENDER_MS)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.state == "failed", timeout=RENDER_MS)
    assert dialog.route_label.text() == "Cancelled"


def test_format_choice_changes_the_file_and_the_render(qtbot, home, tmp_path):
    window = make_window(qtbot, tiny_comp())
    dialog = open_dialog(qtbot, window)
    dialog.path_edit.setText(str(tmp_path / "tiny.mp4"))
    dialog.format_box.setCurrentText("gif")
    assert dialog.path_edit.text() == str(tmp_path / "tiny.gif")
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=RENDER_MS)
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=RENDER_MS)
    assert (tmp_path / "tiny.gif").read_bytes()[:3] == b"GIF"
    assert window.doc.comp.output.format == "mp4"  # the project itself is unchanged


def test_queued_job_shows_in_the_panel_and_reaches_100_percent(qtbot, home, tmp_path):
    window = make_window(qtbot, tiny_comp("queued one"))
    set_threshold_in_settings(qtbot, window, "0")
    assert config.load().route_threshold == 0
    dialog = open_dialog(qtbot, window)
    assert dialog.route_label.text().startswith("Queued")
    target = tmp_path / "queued.mp4"
    dialog.path_edit.setText(str(target))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state == "queued", timeout=RENDER_MS)
    assert not dialog.isVisible()
    panel, job_id = window.renders.queue_panel, dialog.job_id
    qtbot.waitUntil(lambda: panel.status_of(job_id) is not None, timeout=RENDER_MS)
    assert window.renders.queue_dock.isVisible()
    qtbot.waitUntil(lambda: panel.status_of(job_id) == "completed", timeout=RENDER_MS)
    assert panel.progress_bar(job_id).value() == 100
    assert target.is_file()
    # the notification: no system tray offscreen, so the status bar says it
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    qtbot.waitUntil(lambda: window.renders.notifier.last is not None, timeout=RENDER_MS)
    assert window.renders.notifier.last[0] == "Render finished"
    assert "Render finished" in window.statusBar().currentMessage()
    panel.select(job_id)
    assert panel.open_button.isEnabled() and not panel.cancel_button.isEnabled()
    # Share, without team storage: a file URL reaches nobody, so it says what to set up
    box = panel.share_selected()
    assert box.objectName() == "share_needs_storage" and "Team storage" in box.informativeText()
    box.close()


def test_cancel_a_queued_render_from_the_panel(qtbot, home, tmp_path):
    config.update(route_threshold=0)
    comp = jobkit.slow_composition(tmp_path, name="long one", seconds=600)  # outlasts the test
    window = make_window(qtbot, comp)
    dialog = open_dialog(qtbot, window)
    target = tmp_path / "long.mp4"
    dialog.path_edit.setText(str(target))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state == "queued", timeout=RENDER_MS)
    panel, job_id = window.renders.queue_panel, dialog.job_id
    qtbot.waitUntil(lambda: panel.status_of(job_id) == "processing", timeout=RENDER_MS)
    panel.select(job_id)
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status_of(job_id) == "cancelled", timeout=RENDER_MS)
    qtbot.waitUntil(lambda: not window.renders.hub.queue.active, timeout=RENDER_MS)
    assert not target.exists() and not jobkit.partials(tmp_path)
    panel.select(job_id)
    assert panel.retry_button.isEnabled()


def test_settings_refuse_invalid_values_inline_and_write_nothing(qtbot, home):
    window = make_window(qtbot)
    window.actions[ActionId.SETTINGS].trigger()
    dialog = window.renders.settings_dialog
    dialog.threshold.setText("-5")
    dialog.concurrency.setText("lots")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    message = dialog.error_label.text()
    assert dialog.error_label.isVisible()
    assert "Render now up to" in message and "greater than or equal to 0" in message
    assert "Renders at once" in message
    assert not config.settings_path().exists()  # nothing half-applied
    dialog.threshold.setText("12")
    dialog.concurrency.setText("2")
    dialog.fields["output_defaults.width"].setText("1280")
    dialog.fields["output_defaults.height"].setText("720")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible()
    saved = json.loads(config.settings_path().read_text())
    assert saved["route_threshold"] == 12 and saved["queue_concurrency"] == 2
    assert saved["output_defaults"]["width"] == 1280


def test_settings_refuse_a_file_as_output_folder(qtbot, home, tmp_path):
    window = make_window(qtbot)
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    dialog = window.renders.open_settings()
    dialog.folder.setText(str(not_a_folder))
    dialog.accept()
    assert dialog.isVisible() and "is a file" in dialog.error_label.text()
    assert not config.settings_path().exists()


def test_notifications_fall_back_to_the_status_bar(qtbot, home):
    window = make_window(qtbot)
    notifier = Notifier(window, use_tray=False)
    notifier.notify("Render failed", "promo: FFmpeg stopped", error=True)
    assert window.statusBar().currentMessage() == "Render failed: promo: FFmpeg stopped"
    assert notifier.last == ("Render failed", "promo: FFmpeg stopped")


def test_closing_the_window_stops_the_queue_without_blocking_the_window(qtbot, home, tmp_path):
    """Closing stops the running queued render and puts it back in the queue, but the
    database write and the wait for the queue happen off the GUI thread."""
    from sqlalchemy import event

    from vidgen_desktop.store import open_local

    config.update(route_threshold=0)
    window = make_window(qtbot, jobkit.slow_composition(tmp_path, name="long", seconds=600))
    dialog = open_dialog(qtbot, window)
    dialog.path_edit.setText(str(tmp_path / "long.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.state == "queued", timeout=RENDER_MS)
    hub, job_id = window.renders.hub, dialog.job_id
    qtbot.waitUntil(lambda: job_id in hub.queue.active, timeout=RENDER_MS)
    runner, writers = hub.queue._runner, []

    @event.listens_for(hub.db.engine, "begin")
    def began(connection) -> None:
        if not connection.get_execution_options().get("vidgen_read_only"):
            writers.append(threading.current_thread().name)

    window.close()
    assert hub.wait_closed(RENDER_MS / 1000)
    assert runner is not None and not runner.is_alive()
    assert writers and "MainThread" not in writers  # the re-queue was written, not here
    with open_local() as db:
        assert db.jobs.get(job_id).status == "queued"  # it runs again next time


def test_the_editor_runs_its_background_work_in_one_pool(qtbot, home, media):
    from vidgen_desktop.ui.shell import background

    comp = tiny_comp()
    comp.elements.append(
        VideoElement(id="clip", source=str(media["video"]), width="50%", height="50%")
    )
    window = make_window(qtbot, comp)
    uikit.settle(qtbot, window)
    hub = window.renders.hub
    qtbot.waitUntil(lambda: hub.is_ready, timeout=RENDER_MS)
    pools = {t.name.rsplit("_", 1)[0] for t in threading.enumerate() if "_" in t.name
             and t.name.startswith("vidgen")}  # fmt: skip
    assert pools == {"vidgen-bg"}  # preview, probes, thumbnails, proxies and jobs alike
    pool = background._executor
    window.close()
    assert background._executor is None and pool is not None
    qtbot.waitUntil(lambda: not any(t.name.startswith("vidgen-bg") and t.is_alive()
                                    for t in threading.enumerate()), timeout=RENDER_MS)  # fmt: skip


@pytest.fixture(autouse=True)
def _no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never start a real file manager or player from a test."""
    monkeypatch.setattr(files, "open_url", lambda url: True)


def test_a_farm_output_can_be_linked_but_not_opened_here(qtbot, home):
    import types
    import uuid

    window = make_window(qtbot)
    panel = window.renders.queue_panel
    job = types.SimpleNamespace(
        id=uuid.uuid4(), project_name="farm job", status="completed", current_step=None,
        progress=1.0, error_message=None, output_path="s3://team/vidgen/outputs/x/farm.mp4",
        output_url="https://storage.example/team/farm.mp4?X-Amz-Signature=abc",
    )  # fmt: skip
    panel.put(job)
    panel.select(job.id)
    assert panel.link_button.isEnabled()
    assert not panel.open_button.isEnabled() and not panel.folder_button.isEnabled()
