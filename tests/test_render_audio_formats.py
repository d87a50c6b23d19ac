"""Real renders: the soundtrack (present, absent, mixed, volume) and every output format."""

from __future__ import annotations

import numpy as np
import pytest

from mediakit import decode_audio, decode_frames, has_audio_stream, solid, tone, write_png
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.media.probe import probe
from vidgen_desktop.render import engine

pytestmark = pytest.mark.render


def comp(elements, **output) -> Composition:
    base = {"width": 64, "height": 48, "fps": 10, "duration": 1.0, "quality": "draft"}
    return Composition.from_data({"output": {**base, **output}, "elements": elements})


def band_level(samples: np.ndarray, freq: float) -> float:
    """Amplitude of ``freq`` in a mono signal (48 kHz), via an FFT."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    freqs = np.fft.rfftfreq(len(samples), 1 / 48000)
    band = (freqs > freq - 20) & (freqs < freq + 20)
    return float(spectrum[band].max() / (len(samples) / 4))


def test_no_audible_element_still_gives_a_silent_track(tmp_path):
    out = engine.render(comp([]), tmp_path / "silent.mp4")
    assert has_audio_stream(out)
    audio = decode_audio(out)
    assert len(audio) > 40000
    assert np.abs(audio).max() < 1e-3


def test_volume_scales_the_sound(tmp_path):
    source = tone(tmp_path / "tone.wav", freq=440, seconds=2, amplitude=0.5)
    loud = engine.render(
        comp([{"id": "a", "type": "audio", "source": str(source)}]), tmp_path / "loud.mp4"
    )
    quiet = engine.render(
        comp([{"id": "a", "type": "audio", "source": str(source), "volume": 0.5}]),
        tmp_path / "quiet.mp4",
    )
    rms_loud = np.sqrt(np.mean(decode_audio(loud)[4800:-4800] ** 2))
    rms_quiet = np.sqrt(np.mean(decode_audio(quiet)[4800:-4800] ** 2))
    assert rms_loud == pytest.approx(0.5 / np.sqrt(2), rel=0.1)  # a sine's RMS: amplitude / √2
    assert rms_quiet / rms_loud == pytest.approx(0.5, rel=0.08)


def test_two_sources_are_mixed_and_delayed_to_their_start(tmp_path):
    low = tone(tmp_path / "low.wav", freq=440, seconds=2, amplitude=0.3)
    high = tone(tmp_path / "high.wav", freq=1500, seconds=2, amplitude=0.3)
    out = engine.render(
        comp(
            [
                {"id": "low", "type": "audio", "source": str(low)},
                {"id": "high", "type": "audio", "source": str(high), "start": 1.0},
            ],
            duration=2.0,
        ),
        tmp_path / "mix.mp4",
    )
    mono = decode_audio(out).mean(axis=1)
    first, second = mono[4800:43200], mono[52800:91200]  # 0.1–0.9 s and 1.1–1.9 s
    assert band_level(first, 440) > 0.2 and band_level(first, 1500) < 0.02
    assert band_level(second, 440) > 0.2 and band_level(second, 1500) > 0.2


def test_video_sound_is_trimmed_with_the_picture(tmp_path):
    # a video whose sound is 440 Hz for 1 s, then 1500 Hz: trimming 1 s keeps only 1500 Hz
    from mediakit import ffmpeg

    source = tmp_path / "av.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "color=gray:s=64x48:r=10:d=2",
        "-f", "lavfi", "-i", "aevalsrc='0.4*sin(if(lt(t,1),440,1500)*2*PI*t)':s=48000:d=2",
        "-c:v", "libx264", "-c:a", "aac", "-shortest", str(source),
    )  # fmt: skip
    out = engine.render(
        comp([{"id": "v", "type": "video", "source": str(source), "trim_start": 1.0}], duration=1),
        tmp_path / "trim.mp4",
    )
    mono = decode_audio(out).mean(axis=1)[4800:40000]
    assert band_level(mono, 1500) > 0.15
    assert band_level(mono, 440) < 0.03


@pytest.mark.parametrize(
    ("fmt", "extra", "codec"),
    [
        ("mp4", {}, "h264"),
        ("webm", {}, "vp9"),
        ("mov", {"mov_codec": "prores"}, "prores"),
        ("mov", {"mov_codec": "h264"}, "h264"),
        ("gif", {}, "gif"),
    ],
)
def test_every_format_decodes_with_the_right_size_and_length(tmp_path, fmt, extra, codec):
    image = write_png(tmp_path / "red.png", solid(16, 16, (255, 0, 0, 255)))
    out = engine.render(
        comp(
            [{"id": "r", "type": "image", "source": str(image), "width": "50%"}],
            format=fmt,
            duration=1.5,
            **extra,
        ),
        tmp_path / f"out.{fmt}",
    )
    info = probe(out)
    assert (info.width, info.height) == (64, 48)
    assert info.duration == pytest.approx(1.5, abs=0.15)
    assert info.video_codec == codec
    assert info.has_audio == (fmt != "gif")
    frames = decode_frames(out, 64, 48)
    assert len(frames) == 15
    assert frames[0][24, 10, 0] > 180 and frames[0][24, 50, 0] < 60  # red left half only


@pytest.mark.parametrize("quality", ["draft", "standard", "high"])
def test_quality_presets_all_render(tmp_path, quality):
    out = engine.render(comp([], quality=quality), tmp_path / f"{quality}.mp4")
    assert probe(out).duration == pytest.approx(1.0, abs=0.15)


def test_the_same_sound_twice_is_mixed_twice(tmp_path):
    source = tone(tmp_path / "tone.wav", freq=440, seconds=2, amplitude=0.25)
    music = {"type": "audio", "source": str(source)}
    once = engine.render(comp([{"id": "a", **music}]), tmp_path / "once.mp4")
    twice = engine.render(comp([{"id": "a", **music}, {"id": "b", **music}]), tmp_path / "two.mp4")
    rms_once = np.sqrt(np.mean(decode_audio(once)[4800:-4800] ** 2))
    rms_twice = np.sqrt(np.mean(decode_audio(twice)[4800:-4800] ** 2))
    assert rms_twice / rms_once == pytest.approx(2.0, rel=0.08)
