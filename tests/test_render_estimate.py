"""The render-time estimate: pure arithmetic on a plan, its sources and given coefficients."""

from __future__ import annotations

import dataclasses

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import routing
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.media.probe import MediaInfo
from vidgen_desktop.render import graph
from vidgen_desktop.render.estimate import (
    FACTOR_LIMITS,
    REFINE_WEIGHT,
    MachineSpeed,
    estimate,
    refine,
    work,
)
from vidgen_desktop.store import open_local

SPEED = MachineSpeed(
    startup=0.1, per_input=0.02, canvas=0.002, decode_video=0.002, decode_still=0.01,
    scale=0.002, overlay=0.003, fade=0.001, audio_decode=0.001,
    encode={"libx264:standard": 0.015, "libx264:draft": 0.01, "libx264:high": 0.07,
            "libvpx-vp9:high": 0.5, "prores_ks:standard": 0.07, "gif:standard": 0.13},
)  # fmt: skip


def video(name: str, w: int = 1920, h: int = 1080, seconds: float = 60, fps: float = 30):
    return MediaInfo(
        path=f"/media/{name}", kind="video", width=w, height=h, duration=seconds, fps=fps,
        frame_count=int(seconds * fps), has_video=True, has_audio=True, has_alpha=False,
    )  # fmt: skip


def still(name: str, w: int = 800, h: int = 600) -> MediaInfo:
    return MediaInfo(
        path=f"/media/{name}", kind="image", width=w, height=h, duration=None, fps=None,
        frame_count=None, has_video=True, has_audio=False, has_alpha=True,
    )  # fmt: skip


def planned(output: dict, elements: list[dict], facts: dict[str, MediaInfo]):
    comp = Composition.from_data({"name": "t", "output": output, "elements": elements})
    return graph.plan(comp, facts), facts


def short_plan():
    return planned(
        {"width": 640, "height": 360, "duration": 5, "quality": "standard"},
        [{"type": "video", "id": "a", "source": "/media/a.mp4", "fit": "cover"},
         {"type": "image", "id": "logo", "source": "/media/logo.png", "width": "20%",
          "height": "20%"}],
        {"a": video("a.mp4", 640, 360, 5), "logo": still("logo.png")},
    )  # fmt: skip


def long_plan(fmt: str = "webm", quality: str = "high"):
    elements = [
        {"type": "video", "id": f"v{i}", "source": f"/media/v{i}.mp4", "fit": "cover",
         "x": f"{i * 10}%", "width": "50%", "height": "50%"}
        for i in range(8)
    ]  # fmt: skip
    facts = {f"v{i}": video(f"v{i}.mp4") for i in range(8)}
    return planned(
        {"width": 1920, "height": 1080, "format": fmt, "quality": quality}, elements, facts
    )


def test_a_short_composition_renders_now_and_a_long_one_is_queued():
    short = estimate(*short_plan(), SPEED)
    long = estimate(*long_plan(), SPEED)
    assert short.seconds < 5
    assert long.seconds > 120
    assert routing.decide(short.seconds, 30).response_type == "immediate"
    decision = routing.decide(long.seconds, 30)
    assert decision.response_type == "async"
    assert "> threshold 30 s" in decision.reason


def test_the_threshold_is_inclusive_and_configurable():
    assert routing.decide(30.0, 30.0).response_type == "immediate"
    assert routing.decide(30.01, 30.0).response_type == "async"
    assert routing.decide(2.0, 1.0).response_type == "async"
    with pytest.raises(ValueError):
        routing.decide(1.0, -1)


def test_the_estimate_is_the_sum_of_its_parts_from_the_work():
    plan, facts = short_plan()
    amounts = work(plan, facts)
    frames = plan.frames
    assert frames == 150
    assert amounts["canvas"] == pytest.approx(0.6400 * 0.360 * frames)
    assert amounts["decode_video"] == pytest.approx(0.2304 * 5 * 30)  # source px × its frames
    assert amounts["decode_still"] == pytest.approx(0.48)  # the logo, decoded once
    assert amounts["overlay"] > 0
    assert amounts["inputs"] == 3  # the clip, its sound (a second input), the logo
    est = estimate(plan, facts, SPEED)
    assert est.seconds == pytest.approx(sum(est.parts.values()))
    assert est.parts["encode"] == pytest.approx(0.015 * amounts["canvas"])
    assert est.encoder == "libx264:standard"
    assert "libx264:standard" in est.explain()


def test_more_work_costs_more():
    plan, facts = long_plan("mp4", "standard")
    base = estimate(plan, facts, SPEED).seconds
    fewer = graph.plan(
        plan.composition.model_copy(update={"elements": plan.composition.elements[:2]}), facts
    )
    assert estimate(fewer, facts, SPEED).seconds < base
    costs = {
        q: estimate(*long_plan("mp4", q), SPEED).seconds for q in ("draft", "standard", "high")
    }
    assert costs["draft"] < costs["standard"] < costs["high"]
    assert estimate(*long_plan("webm", "high"), SPEED).seconds > costs["high"]


def test_a_still_is_scaled_once_but_a_video_every_frame():
    out = {"width": 640, "height": 360, "duration": 10}
    big_still = planned(out, [{"type": "image", "id": "s", "source": "/s.png"}],
                        {"s": still("s.png", 4000, 3000)})  # fmt: skip
    big_video = planned(out, [{"type": "video", "id": "v", "source": "/v.mp4"}],
                        {"v": video("v.mp4", 4000, 3000, 10)})  # fmt: skip
    assert work(*big_still)["scale"] == pytest.approx(12.0)
    assert work(*big_video)["scale"] == pytest.approx(12.0 * 300)


def test_refine_moves_the_encoder_factor_toward_the_observed_ratio():
    speed = refine(SPEED, "libx264:standard", raw_estimate=10.0, actual=20.0)
    assert speed.factors["libx264:standard"] == pytest.approx(1 + REFINE_WEIGHT * (2 - 1))
    assert speed.source == "refined"
    for _ in range(50):
        speed = refine(speed, "libx264:standard", 10.0, 20.0)
    assert speed.factors["libx264:standard"] == pytest.approx(2.0, rel=1e-3)
    wild = refine(SPEED, "gif:standard", 1.0, 1000.0)  # one odd render is clamped
    assert wild.factors["gif:standard"] < 2.0
    assert refine(SPEED, "gif:standard", 0.0, 5.0) is SPEED
    plan, facts = short_plan()
    learned = estimate(plan, facts, speed)
    assert learned.seconds == pytest.approx(2.0 * learned.raw_seconds, rel=1e-3)
    assert FACTOR_LIMITS[0] <= learned.factor <= FACTOR_LIMITS[1]


def test_machine_speed_round_trips_through_system_metrics(tmp_path):
    db = open_local(tmp_path / "jobs.sqlite3")
    assert speeds.load(db.metrics) == MachineSpeed()  # defaults before any calibration
    calibrated = dataclasses.replace(SPEED, source="calibrated")
    speeds.save(db.metrics, calibrated)
    assert speeds.load(db.metrics) == MachineSpeed.from_dict(calibrated.to_dict())
    assert speeds.load(db.metrics).encode_cost("libx264:standard") == 0.015
    refined = speeds.learn(db.metrics, "libx264:standard", 2.0, 3.0)
    assert speeds.load(db.metrics) == refined
    assert len(db.metrics.history(speeds.METRIC)) == 2
    partial = MachineSpeed.from_dict({"startup": 0.5, "encode": {"gif:high": 1.0}, "junk": 1})
    assert partial.startup == 0.5 and partial.encode_cost("gif:high") == 1.0
    assert partial.encode_cost("libx264:draft") == MachineSpeed().encode_cost("libx264:draft")
    db.close()
