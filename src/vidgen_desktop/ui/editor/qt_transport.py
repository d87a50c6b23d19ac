"""The transport over the timeline: play/pause, frame steps, start/end and the clock.

``QtTimeline`` owns playback (a timer advancing ``Document.time``) and lays the
transport buttons over the ``TimelineView`` (``qt_timeline``), which owns the
track area. Kept apart so playback and sound can grow here without touching the
tracks.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.editor.qt_timeline import TimelineView
from vidgen_desktop.ui.shell.actions import ActionId


def clock(t: float) -> str:
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes):02d}:{seconds:05.2f}"


class QtTimeline(QWidget):
    """Transport controls over the timeline view; owns playback."""

    def __init__(self, doc: Document, actions: dict[ActionId, QAction], parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.view = TimelineView(doc)
        self.play_action = actions[ActionId.PLAY]
        self.play_button = self._button(self.play_action)
        self.time_label = QLabel()
        self.time_label.setObjectName("time_label")
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 2)
        for action_id in (ActionId.GO_START, ActionId.PREV_FRAME):
            controls.addWidget(self._button(actions[action_id]))
        controls.addWidget(self.play_button)
        for action_id in (ActionId.NEXT_FRAME, ActionId.GO_END):
            controls.addWidget(self._button(actions[action_id]))
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(controls)
        column.addWidget(self.view, 1)
        self.timer = QTimer(self, interval=15)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self._from = 0.0
        actions[ActionId.PLAY].triggered.connect(self.toggle)
        actions[ActionId.NEXT_FRAME].triggered.connect(lambda: self.view.step(1))
        actions[ActionId.PREV_FRAME].triggered.connect(lambda: self.view.step(-1))
        actions[ActionId.GO_START].triggered.connect(lambda: doc.set_time(0.0))
        actions[ActionId.GO_END].triggered.connect(self._go_end)
        for signal in (doc.time_changed, doc.changed, doc.media_changed):
            signal.connect(self._update_label)
        self._update_label()

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        return button

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def toggle(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    def play(self) -> None:
        duration = self.doc.timeline().duration
        if self.doc.time >= duration - 1e-6:
            self.doc.set_time(0.0)
        self._from = self.doc.time
        self.clock.start()
        self.timer.start()
        self.play_action.setText("Pause")

    def stop(self) -> None:
        self.timer.stop()
        self.play_action.setText("&Play/Pause")

    def _tick(self) -> None:
        duration = self.doc.timeline().duration
        t = self._from + self.clock.elapsed() / 1000
        fps = self.doc.comp.output.fps
        self.doc.set_time(min(duration, math.floor(t * fps + 1e-6) / fps))
        if t >= duration:
            self.stop()

    def _go_end(self) -> None:
        fps = self.doc.comp.output.fps
        last = math.ceil(self.doc.timeline().duration * fps - 1e-6) - 1
        self.doc.set_time(max(0, last) / fps)

    def _update_label(self, *_: object) -> None:
        self.time_label.setText(f"{clock(self.doc.time)} / {clock(self.doc.timeline().duration)}")
