"""The transport over the timeline: play/pause, frame steps, start/end and the clock.

``QtTimeline`` owns playback (a timer advancing ``Document.time``) and lays the
transport buttons over the ``TimelineView`` (``qt_timeline``), which owns the
track area. Kept apart so playback and sound can grow here without touching the
tracks.

Sound: ``audio_mix.AudioMix`` (the renderer's mixing rules) played by
``qt_audio.AudioOut``; playback time is ``playback.PlaybackClock`` (the audio
clock when something is audible, else the monotonic one) and the frame shown is
the one for that time, so a slow preview skips frames instead of drifting.
Moving the playhead while stopped plays a short snippet there. Mute and the
master volume are remembered in the settings (``playback/muted``,
``playback/volume``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)  # fmt: skip

from vidgen_desktop.ui.editor.audio_mix import AudioMix
from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.editor.playback import PlaybackClock, frame_time
from vidgen_desktop.ui.editor.qt_audio import AudioOut
from vidgen_desktop.ui.editor.qt_timeline import TimelineView
from vidgen_desktop.ui.shell.actions import ActionId


def clock(t: float) -> str:
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes):02d}:{seconds:05.2f}"


class QtTimeline(QWidget):
    """Transport controls over the timeline view; owns playback."""

    def __init__(
        self,
        doc: Document,
        actions: dict[ActionId, QAction],
        parent=None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.settings = settings
        self.mix = AudioMix()
        self._mix_stale = True
        self.audio = AudioOut(self.mix, self)
        self.mute_button = QToolButton(checkable=True, autoRaise=True)
        self.mute_button.setObjectName("mute_button")
        self.mute_button.setToolTip("Mute")
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.volume_slider.setObjectName("volume_slider")
        self.volume_slider.setToolTip("Volume")
        self.volume_slider.setFixedWidth(90)
        self.view = TimelineView(doc)
        self.play_action = actions[ActionId.PLAY]
        self.play_button = self._button(self.play_action)
        self.time_label = QLabel()
        self.time_label.setObjectName("time_label")
        self.time_label.setMinimumWidth(40)  # clipped in a narrow dock, not holding the window wide
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 2)
        for action_id in (ActionId.GO_START, ActionId.PREV_FRAME):
            controls.addWidget(self._button(actions[action_id]))
        controls.addWidget(self.play_button)
        for action_id in (ActionId.NEXT_FRAME, ActionId.GO_END):
            controls.addWidget(self._button(actions[action_id]))
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.mute_button)
        controls.addWidget(self.volume_slider)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(controls)
        column.addWidget(self.view, 1)
        self.timer = QTimer(self, interval=10)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.clock = PlaybackClock()
        self._restore_sound()
        self.audio.error_changed.connect(lambda _: self._mute_icon())
        self.mute_button.toggled.connect(self.set_muted)
        self.volume_slider.valueChanged.connect(lambda v: self.set_volume(v / 100))
        actions[ActionId.PLAY].triggered.connect(self.toggle)
        actions[ActionId.NEXT_FRAME].triggered.connect(lambda: self.view.step(1))
        actions[ActionId.PREV_FRAME].triggered.connect(lambda: self.view.step(-1))
        actions[ActionId.GO_START].triggered.connect(lambda: doc.set_time(0.0))
        actions[ActionId.GO_END].triggered.connect(self._go_end)
        for signal in (doc.time_changed, doc.changed, doc.media_changed):
            signal.connect(self._update_label)
        for signal in (doc.changed, doc.media_changed):
            signal.connect(self._stale)
        doc.time_changed.connect(self._scrubbed)
        self._update_label()

    # -- sound ---------------------------------------------------------------------------------

    def _restore_sound(self) -> None:
        s = self.settings
        muted = s is not None and str(s.value("playback/muted", "false")).lower() == "true"
        volume = float(s.value("playback/volume", 1.0)) if s is not None else 1.0
        self.audio.muted, self.audio.volume = muted, max(0.0, min(1.0, volume))
        self.mute_button.setChecked(muted)
        self.volume_slider.setValue(round(self.audio.volume * 100))
        self._mute_icon()

    def set_muted(self, muted: bool) -> None:
        self.audio.muted = muted
        self.mute_button.setChecked(muted)
        self._mute_icon()
        if self.settings is not None:
            self.settings.setValue("playback/muted", muted)

    def set_volume(self, volume: float) -> None:
        self.audio.volume = max(0.0, min(1.0, volume))
        self.volume_slider.setValue(round(self.audio.volume * 100))
        if self.settings is not None:
            self.settings.setValue("playback/volume", self.audio.volume)

    def _mute_icon(self) -> None:
        icon = QStyle.StandardPixmap.SP_MediaVolumeMuted if self.audio.muted else (
            QStyle.StandardPixmap.SP_MediaVolume)  # fmt: skip
        self.mute_button.setIcon(self.style().standardIcon(icon))
        tip = "Unmute" if self.audio.muted else "Mute"
        self.mute_button.setToolTip(f"{tip} ({self.audio.error})" if self.audio.error else tip)

    def _stale(self, *_: object) -> None:
        self._mix_stale = True
        if self.playing:  # an edit while playing is heard at once
            self.fresh_mix()

    def fresh_mix(self) -> AudioMix:
        """The mix of the composition as it is now (sources decoded on first use)."""
        if self._mix_stale:
            self.mix.set_composition(self.doc.drawn(), self.doc.facts())
            self._mix_stale = False
        return self.mix

    def _scrubbed(self, *_: object) -> None:
        if self.playing or self.audio.muted or not self.isVisible():
            return
        if self.fresh_mix().audible:
            self.audio.snippet(self.doc.time)

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
        self.timer.start()  # playing from here on: set_time plays no snippet
        start = self.doc.time
        heard = self.fresh_mix().audible and self.audio.play(start)
        self.clock.start(start, self.audio.clock if heard else None)
        self.play_action.setText("Pause")

    def stop(self) -> None:
        if self.timer.isActive():
            self.audio.stop()
        self.timer.stop()
        self.play_action.setText("&Play/Pause")

    def _tick(self) -> None:
        duration = self.doc.timeline().duration
        t = self.clock.now()
        shown = min(duration, frame_time(t + self.clock.lead, self.doc.comp.output.fps))
        if shown > self.doc.time:  # never back (the lead may shrink)
            self.doc.set_time(shown)
        if t >= duration:
            self.stop()

    def frame_shown(self, t: float) -> None:
        """The canvas shows the frame for ``t`` (playback learns the preview's pace)."""
        if self.playing:
            self.clock.frame_shown(t, self.doc.comp.output.fps)

    def _go_end(self) -> None:
        fps = self.doc.comp.output.fps
        last = math.ceil(self.doc.timeline().duration * fps - 1e-6) - 1
        self.doc.set_time(max(0, last) / fps)

    def _update_label(self, *_: object) -> None:
        self.time_label.setText(f"{clock(self.doc.time)} / {clock(self.doc.timeline().duration)}")
