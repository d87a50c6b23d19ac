"""Sound in the editor: the playback mix is the renderer's, played through a real output
(PulseAudio's null sink, ``soundkit``); mute, master volume, scrub snippets, and playback
that follows its clock, skipping frames a slow preview cannot draw in time."""

from __future__ import annotations

import time

import numpy as np
import pytest

import soundkit
import uikit
from mediakit import decode_audio, tone
from uikit import make_window
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine
from vidgen_desktop.ui.editor import qt_preview
from vidgen_desktop.ui.editor.audio_mix import RATE, AudioMix
from vidgen_desktop.ui.editor.qt_audio import wait_sent

home = uikit.home
sound_server = soundkit.sound_server
pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    folder = tmp_path_factory.mktemp("playback")
    return (
        tone(folder / "low.wav", freq=440, seconds=2, amplitude=0.4),
        tone(folder / "high.wav", freq=1000, seconds=2, amplitude=0.3),
    )


def mixed(tones, **output) -> Composition:
    """Two sounds: one faded in and out at 0.7, one delayed, trimmed, with keyframed volume."""
    low, high = tones
    base = {"width": 64, "height": 48, "fps": 10, "duration": 2.0, "quality": "draft"}
    return Composition.from_data({
        "output": {**base, **output},
        "elements": [
            {"id": "low", "type": "audio", "source": str(low), "volume": 0.7,
             "fade_in": 0.3, "fade_out": 0.4},
            {"id": "high", "type": "audio", "source": str(high), "start": 0.5,
             "trim_start": 0.25, "keyframes": {"volume": [
                 {"time": 0, "value": 0.2}, {"time": 1.0, "value": 1.0}]}},
        ],
    })  # fmt: skip


def facts(comp):
    from vidgen_desktop.media.probe import probe

    return {e.id: probe(e.source) for e in comp.elements}


def test_the_playback_mix_is_the_renderers_soundtrack(tones, tmp_path):
    comp = mixed(tones, format="mov", mov_codec="prores")  # PCM sound: nothing lost
    rendered = decode_audio(engine.render(comp, tmp_path / "out.mov"))
    mix = AudioMix()
    mix.set_composition(comp, facts(comp))
    ours = mix.samples(0, len(rendered))
    assert np.abs(rendered).max() > 0.4  # there is sound to compare
    # 16-bit PCM, volume keyframes stepped every 10 ms on both sides
    assert np.abs(ours - rendered).max() < 0.005
    quarter = mix.at(1.0, 0.25)
    assert np.abs(quarter - rendered[RATE : RATE + RATE // 4]).max() < 0.005


def open_playing(qtbot, comp):
    window = make_window(qtbot, comp)
    uikit.settle(qtbot, window)
    return window, window.timeline


def test_playback_sends_the_mix_at_the_master_volume_and_mute_silences(
    qtbot, home, tones, sound_server
):
    comp = mixed(tones)
    window, transport = open_playing(qtbot, comp)
    transport.set_volume(0.5)
    transport.play()
    assert transport.clock.audio_driven, transport.audio.error
    wait_sent(transport.audio, RATE // 2)
    first, sent = transport.audio.sent_pcm()
    expected = transport.mix.samples(first, len(sent))
    assert np.abs(expected).max() > 0.1
    np.testing.assert_allclose(sent, expected * 0.5, atol=1e-6)
    qtbot.waitUntil(lambda: window.doc.time >= 0.3, timeout=5000)  # the picture follows
    heard = transport.audio.clock()
    assert heard is not None and abs(heard - window.doc.time) < 0.2
    transport.stop()

    transport.set_muted(True)
    window.doc.set_time(0.0)
    transport.play()
    wait_sent(transport.audio, RATE // 4)
    _, sent = transport.audio.sent_pcm()
    assert len(sent) >= RATE // 4 and not sent.any()  # silence, while the clock runs
    qtbot.waitUntil(lambda: window.doc.time >= 0.2, timeout=5000)
    transport.stop()
    assert window.settings.value("playback/muted") in (True, "true")
    assert float(window.settings.value("playback/volume")) == 0.5


def test_scrubbing_plays_a_snippet_of_the_new_time(qtbot, home, tones, sound_server):
    window, transport = open_playing(qtbot, mixed(tones))
    window.doc.set_time(1.25)
    wait_sent(transport.audio, RATE // 10)
    first, sent = transport.audio.sent_pcm()
    assert first == round(1.25 * RATE)
    assert len(sent) == RATE // 10  # 100 ms, then nothing more
    np.testing.assert_allclose(sent, transport.mix.at(1.25, 0.1), atol=1e-6)
    assert np.abs(sent).max() > 0.2
    time.sleep(0.2)
    assert sum(len(b) for _, b in transport.audio.sent) == RATE // 10


def test_a_slow_preview_skips_frames_instead_of_drifting(
    qtbot, home, tones, sound_server, monkeypatch
):
    comp = mixed(tones, fps=30, duration=4.0)
    window, transport = open_playing(qtbot, comp)
    real_draw = qt_preview.draw

    def slow_draw(request, cancelled=None):  # a preview that manages ~5 frames a second
        time.sleep(0.2)
        return real_draw(request, cancelled)

    monkeypatch.setattr(qt_preview, "draw", slow_draw)
    shown: list[tuple[float, float]] = []  # (audio clock when shown, frame time)
    window.canvas.renderer.ready.connect(
        lambda image, request: (
            transport.playing and shown.append((transport.audio.clock() or 0.0, request.t))
        )
    )
    transport.play()
    assert transport.clock.audio_driven, transport.audio.error
    qtbot.waitUntil(lambda: window.doc.time > 0.1, timeout=5000)  # the sound has started
    started, t_started = time.monotonic(), window.doc.time
    qtbot.waitUntil(lambda: time.monotonic() - started > 2.0, timeout=5000)
    heard, at = transport.audio.clock(), window.doc.time
    lead = transport.clock.lead
    transport.stop()
    # the playhead is where the sound is (the sound's clock: a loaded machine's card may
    # stall, and the picture waits with it) plus the preview's draw time, and it moved on
    assert 0.0 <= lead <= 0.3  # frames asked for ahead by the preview's pace, within reason
    assert heard is not None and abs(heard + lead - at) < 0.1
    assert at - t_started > 0.2  # (how far depends on the card: a loaded machine stalls it)
    times = [t for _, t in shown if t > 0]
    assert 2 <= len(times) < 0.6 * (times[-1] - times[0]) * 30  # far fewer than every frame
    assert times == sorted(times)  # never back
    gaps = np.diff(times)
    assert gaps.max() > 2 / 30  # frames skipped
    late = [clock - t for clock, t in shown[len(shown) // 2 :] if t > 0]
    assert max(abs(x) for x in late) < 0.4  # each frame shown is about the time being heard


def test_without_a_sound_output_playback_runs_silent_and_says_why(
    qtbot, home, tones, sound_server, monkeypatch, tmp_path
):
    window, transport = open_playing(qtbot, mixed(tones))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-such-server'}")
    soundkit._reload_portaudio()
    try:
        transport.play()
        assert not transport.clock.audio_driven
        assert transport.audio.error.startswith("no sound output")
        assert "no sound output" in transport.mute_button.toolTip()
        qtbot.waitUntil(lambda: window.doc.time >= 0.3, timeout=5000)  # the monotonic clock
        transport.stop()
    finally:
        monkeypatch.setenv("PULSE_SERVER", f"unix:{sound_server}")
        soundkit._reload_portaudio()
