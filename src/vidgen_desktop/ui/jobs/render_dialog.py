"""The Render dialog: format, quality, where to; the estimate and the route; then the render.

It opens at once and estimates in the background ("Renders now, ~12 s" /
"Queued, ~3 min"), again whenever the format or quality changes. Render
submits through ``RenderHub`` off the GUI thread: an immediate render shows
its progress here (with Cancel) and ends with the file (Open, Show in
Folder, Share: a link through the team storage with the expiry the designer
picks, ``share_ui``);
a queued one closes the dialog and appears in the queue panel.
The format and quality chosen here apply to this render only.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs.events import JobEvent
from vidgen_desktop.render import formats
from vidgen_desktop.ui.jobs import jobtext, share_ui
from vidgen_desktop.ui.jobs.render_hub import RenderHub
from vidgen_desktop.ui.shell import files
from vidgen_desktop.ui.shell.widgets import HintLabel

FORMATS = ("mp4", "webm", "mov", "gif")
# the steps of a render here, and the share of the bar each one fills (render: the rest)
STEPS = {"probe": (0, 10), "prepare": (10, 20), "render": (20, 100)}
QUALITIES = ("draft", "standard", "high")
_tokens = itertools.count(1)


class RenderDialog(QDialog):
    """One render: choose, see the estimate, render, get the file."""

    queued = Signal(object)  # job id of a render that went to the queue
    finished_file = Signal(str)  # path of a render that finished here

    def __init__(self, hub: RenderHub, comp: Composition, project: Path | None, parent=None):
        super().__init__(parent)
        self.setObjectName("render_dialog")
        self.setWindowTitle("Render")
        self.setMinimumWidth(520)
        self.hub, self.base, self.project = hub, comp, project
        self.state = "estimating"  # estimating, ready, rendering, done, queued, failed
        self.job_id: uuid.UUID | None = None
        self.output_file: Path | None = None
        self.output_url: str | None = None  # the job's share link, when it has one
        self.decision = None
        self._estimate_token = 0
        self._token = None
        self._build()
        self._set_output_default()
        hub.job_event.connect(self._on_event)
        hub.job_started.connect(self._on_started)
        hub.ready.connect(self._hub_ready)
        hub.open_failed.connect(self._hub_failed)
        self.estimate()

    # -- construction --------------------------------------------------------------------------

    def _build(self) -> None:
        out = self.base.output
        self.format_box = QComboBox()
        self.format_box.addItems(FORMATS)
        self.format_box.setCurrentText(out.format)
        self.quality_box = QComboBox()
        self.quality_box.addItems(QUALITIES)
        self.quality_box.setCurrentText(out.quality)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("render_output")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.route_label = QLabel("Estimating…")
        self.route_label.setObjectName("render_route")
        font = self.route_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.route_label.setFont(font)
        self.reason_label = HintLabel()
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Quality", self.quality_box)
        form.addRow("Save to", path_row)
        size = QLabel(f"{out.width}×{out.height} · {out.fps:g} fps")
        form.addRow("Size", size)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.render_button = self.buttons.addButton(
            "Render", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.render_button.setObjectName("render_start")
        self.render_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button = self.buttons.addButton(
            "Show in Folder", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.link_button = self.buttons.addButton("Share…", QDialogButtonBox.ButtonRole.ActionRole)
        self.link_button.setObjectName("render_share")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.render_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        self.open_button.clicked.connect(lambda: files.open_file(self.output_file))
        self.folder_button.clicked.connect(lambda: files.show_in_folder(self.output_file))
        self.link_button.clicked.connect(self.share)

        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addSpacing(8)
        column.addWidget(self.route_label)
        column.addWidget(self.reason_label)
        column.addWidget(self.progress)
        column.addWidget(self.status_label)
        column.addStretch(1)
        column.addWidget(self.buttons)
        self.choices: list[QWidget] = [self.format_box, self.quality_box, self.path_edit, browse]
        self.format_box.currentTextChanged.connect(self._format_changed)
        self.quality_box.currentTextChanged.connect(lambda _: self.estimate())
        self._show_state()

    # -- what to render ------------------------------------------------------------------------

    def composition(self) -> Composition:
        output = self.base.output.model_copy(
            update={"format": self.format_box.currentText(),
                    "quality": self.quality_box.currentText()}
        )  # fmt: skip
        return self.base.model_copy(update={"output": output})

    def output_path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def _set_output_default(self) -> None:
        self.path_edit.setText(str(self.hub.default_output(self.composition(), self.project)))

    def _format_changed(self, fmt: str) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(formats.EXTENSIONS[fmt])))
        self.estimate()

    def browse(self) -> None:
        fmt = self.format_box.currentText()
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Render to", self.path_edit.text(), f"{fmt.upper()} video (*.{fmt})"
        )
        if chosen:
            self.path_edit.setText(str(Path(chosen).with_suffix(formats.EXTENSIONS[fmt])))

    # -- estimate ------------------------------------------------------------------------------

    def estimate(self) -> None:
        self._estimate_token += 1
        token = self._estimate_token
        self.state = "estimating" if self.state in ("estimating", "ready") else self.state
        self._say_waiting()
        self._show_state()
        self.hub.estimate(self.composition(), lambda r, e: self._estimated(token, r, e))

    def _say_waiting(self) -> None:
        """What the estimate waits for: the job log (the first seconds after start), or itself."""
        if self.hub.is_ready:
            self.route_label.setText("Estimating…")
        elif self.hub.open_error:
            self._hub_failed(self.hub.open_error)
        else:
            self.route_label.setText("Preparing the job log…")
            self.reason_label.setText("The estimate and Render follow as soon as it is open.")

    def _hub_ready(self) -> None:
        if self.state == "estimating":
            self.route_label.setText("Estimating…")
            self.reason_label.setText("")

    def _hub_failed(self, why: str) -> None:
        if self.state == "estimating":
            self.route_label.setText("The job log cannot be opened")
            self.reason_label.setText(f"{why} (trying again)")

    def _estimated(self, token: int, result, error: BaseException | None) -> None:
        if token != self._estimate_token or self.state not in ("estimating", "ready"):
            return  # a newer estimate is coming, or the render has started
        if error is not None:
            self.state = "ready"
            self.route_label.setText("Cannot estimate")
            self.reason_label.setText(str(error))
            self._show_state()
            return
        prepared, decision = result
        self.decision = decision
        self.state = "ready"
        self.route_label.setText(
            jobtext.route_text(decision.response_type, decision.estimate,
                               calibrated=prepared.estimate.calibrated)
        )  # fmt: skip
        self.reason_label.setText(
            prepared.estimate.explain() if prepared.estimate.calibrated
            else "This machine's speed is learnt from its first renders; "
                 "estimates follow from then on."
        )  # fmt: skip
        self._show_state()

    # -- render --------------------------------------------------------------------------------

    def start(self) -> None:
        target = self.output_path()
        problem = None
        if not self.path_edit.text().strip():
            problem = "Choose where to save the video."
        elif target.is_dir():
            problem = f"{target} is a folder; add a file name."
        elif not target.parent.exists():
            problem = f"The folder {target.parent} does not exist."
        if problem:
            self.status_label.setText(problem)
            return
        self.output_file = target.absolute()
        self._token = next(_tokens)
        self.state = "rendering"
        self.progress.setValue(0)
        self.status_label.setText("Logging the job…")
        self._show_state()
        token = self._token
        self.hub.submit(self.composition(), self.output_file, token,
                        lambda r, e: self._submitted(token, r, e))  # fmt: skip

    def _on_started(self, token: object, job_id: uuid.UUID) -> None:
        if token == self._token:
            self.job_id = job_id

    def _on_event(self, event: JobEvent) -> None:
        if self.job_id is None or event.job_id != self.job_id or self.state != "rendering":
            return
        step = event.step or "render"
        low, high = STEPS.get(step, (0, 100))
        if event.kind == "progress" and event.progress is not None:
            self.progress.setValue(max(self.progress.value(),
                                       round(low + (high - low) * event.progress)))  # fmt: skip
            self._say_step(step, jobtext.eta_text(event.eta))
        elif event.kind == "step" and event.step_status == "running":
            self.progress.setValue(max(self.progress.value(), low))
            self._say_step(step)

    def _say_step(self, step: str, extra: str = "") -> None:
        """``Step 2 of 3 · Planning…``: which step runs, so a long one is not a frozen bar."""
        names = list(STEPS)
        where = f"Step {names.index(step) + 1} of {len(names)} · " if step in STEPS else ""
        self.status_label.setText(f"{where}{jobtext.step_text(step)}… {extra}".rstrip())

    def _submitted(self, token: object, submission, error: BaseException | None) -> None:
        if token != self._token:
            return
        if error is not None:
            cancelled = failures.classify(error).kind is failures.FailureKind.CANCELLED
            self.state = "failed"
            # the headline is the outcome now, not the estimate made before
            self.route_label.setText("Cancelled" if cancelled else f"Failed: {_first_line(error)}")
            self.reason_label.setText("")
            self.status_label.setText("Cancelled." if cancelled else f"Render failed: {error}")
            self._show_state()
            return
        self.job_id = submission.job_id
        if submission.response_type == "async":
            self.state = "queued"
            self.status_label.setText(
                f"Queued ({jobtext.about(submission.estimate)}): follow it in the Render Queue."
            )
            self._show_state()
            self.queued.emit(submission.job_id)
            self.accept()
            return
        self.state = "done"
        self.output_file = Path(submission.output_path)
        self.output_url = submission.output_url
        self.progress.setValue(100)
        self.route_label.setText(f"Rendered in {submission.duration:.1f} s")
        self.reason_label.setText("")
        self.status_label.setText(f"Saved {self.output_file}")
        self._show_state()
        self.finished_file.emit(str(self.output_file))

    def share(self) -> Any:
        """Share the finished render: a link with the expiry the designer picks."""
        if self.job_id is None:
            return None
        return share_ui.share_job(self, self.hub, self.job_id, self.output_file.stem)

    def cancel(self) -> None:
        if self.state == "rendering":
            if self.job_id is not None:
                self.status_label.setText("Cancelling…")
                self.hub.cancel(self.job_id, lambda _r, e: e and self.status_label.setText(str(e)))
            return
        self.reject()

    def _show_state(self) -> None:
        state = self.state
        editable = state in ("estimating", "ready", "failed")
        for widget in self.choices:
            widget.setEnabled(editable)
        self.render_button.setVisible(editable)
        self.render_button.setEnabled(state in ("ready", "failed"))
        self.render_button.setText("Render Again" if state == "failed" else "Render")
        self.cancel_button.setVisible(state in ("estimating", "ready", "rendering"))
        self.progress.setVisible(state in ("rendering", "done"))
        done = state == "done"
        self.open_button.setVisible(done)
        self.folder_button.setVisible(done)
        self.link_button.setVisible(done)
        self.close_button.setVisible(state in ("done", "queued", "failed"))
        if state == "failed":
            self._token = None

    def reject(self) -> None:
        if self.state == "rendering":
            self.cancel()  # Esc during a render cancels it; the dialog stays to say so
            return
        super().reject()

    def done(self, result: int) -> None:
        for signal, slot in ((self.hub.job_event, self._on_event),
                             (self.hub.job_started, self._on_started),
                             (self.hub.ready, self._hub_ready),
                             (self.hub.open_failed, self._hub_failed)):  # fmt: skip
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        super().done(result)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
