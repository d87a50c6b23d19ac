"""The render-time estimate: pure arithmetic on a plan, its sources and given coefficients."""

from __future__ import annotations

import dataclasses

import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import routing
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.media.probe import MediaInfo
from vidgen_desktop.render import calibrate as calibration
from vidgen_desktop.render import graph, learning
from vidgen_desktop.render.estimate import SCALE_FRAME_MPX, MachineSpeed, estimate, refine, work
from vidgen_desktop.render.fitting import FITTED, Observation, fit
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
    per_frame = 12.0 + SCALE_FRAME_MPX  # 12 Mpx in, and what any frame costs the scaler
    assert work(*big_still)["scale"] == pytest.approx(per_frame)
    assert work(*big_video)["scale"] == pytest.approx(per_frame * 300)


def test_refine_learns_a_robust_correction_per_encoder_and_resolution():
    plan, facts = short_plan()
    first = estimate(plan, facts, SPEED)
    assert first.factor == 1.0 and first.resolution == "sd"
    one = refine(SPEED, first.encoder, raw_estimate=10.0, actual=20.0, resolution="sd")
    assert one.source == "refined"
    # one render moves the estimate half-way (in ratio) toward what it saw
    assert one.factors[f"{first.encoder}@sd"] == pytest.approx(2**0.75, rel=1e-3)
    speed = one
    for _ in range(learning.HISTORY):
        speed = refine(speed, first.encoder, 10.0, 20.0, resolution="sd")
    learned = estimate(plan, facts, speed)
    assert learned.seconds == pytest.approx(2.0 * learned.raw_seconds, rel=0.05)
    # a render slowed five times by a busy machine barely moves a median of twenty
    slowed = refine(speed, first.encoder, 10.0, 100.0, resolution="sd")
    assert estimate(plan, facts, slowed).factor == pytest.approx(learned.factor, rel=0.05)
    # another resolution class of the same encoder leans on the encoder's correction
    assert learning.factor(speed.factors, first.encoder, "fhd") == pytest.approx(2.0, rel=0.05)
    assert learning.factor(speed.factors, "gif:standard", "sd") == 1.0
    wild = refine(SPEED, "gif:standard", 1.0, 1000.0, resolution="sd")  # clamped
    assert wild.factors["gif:standard@sd"] <= learning.RATIO_LIMITS[1]
    assert refine(SPEED, "gif:standard", 0.0, 5.0) is SPEED
    assert len(speed.history[f"{first.encoder}@sd"]) == learning.HISTORY  # the newest kept
    stored = MachineSpeed.from_dict(speed.to_dict())  # as the job log keeps it
    assert stored.history == speed.history and stored.factors == speed.factors


def test_a_calibration_starts_the_learning_afresh():
    refined = refine(SPEED, "libx264:standard", 1.0, 2.0, resolution="hd")
    fitted = fit([], refined)
    assert fitted.factors == {} and fitted.history == {}


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


def test_a_speed_stored_before_the_encoders_own_start_up_estimates_as_it_did():
    stored = dataclasses.replace(SPEED, source="calibrated").to_dict()
    del stored["encoder_startup"]  # as stored by an older version: in ``startup``
    plan, facts = short_plan()  # x264
    assert estimate(plan, facts, MachineSpeed.from_dict(stored)).parts["startup"] == (
        pytest.approx(SPEED.startup + SPEED.per_input * work(plan, facts)["inputs"])
    )


# The fit: least squares over timed runs ------------------------------------------------


def _runs(truth: MachineSpeed) -> list[Observation]:
    """Observations of varied plans, timed exactly as ``truth`` predicts."""
    plans = [short_plan(), long_plan("mp4", "standard"), long_plan("webm", "high")]
    for seconds, size, fmt, quality in [
        (0.5, (640, 360), "mp4", "draft"), (2, (640, 360), "mp4", "draft"),
        (1, (1280, 720), "mp4", "draft"), (1, (640, 360), "mp4", "high"),
        (1, (640, 360), "webm", "draft"), (1, (480, 270), "webm", "standard"),
        (1, (640, 360), "mov", "draft"), (1, (640, 360), "mov", "standard"),
        (1, (640, 360), "mov", "high"), (1, (480, 270), "gif", "standard"),
    ]:  # fmt: skip
        output = {"width": size[0], "height": size[1], "duration": seconds, "format": fmt,
                  "quality": quality}  # fmt: skip
        for layers in (1, 3):
            elements = [
                {"type": "video", "id": f"v{i}", "source": "/v.mp4", "trim_start": i / 50,
                 "width": f"{100 - 30 * i}%", "height": f"{100 - 30 * i}%"}
                for i in range(layers)
            ]  # fmt: skip
            plans.append(planned(output, elements, {f"v{i}": video("v.mp4", 640, 360) for i in
                                                   range(layers)}))  # fmt: skip
    return [
        Observation(encoder=est.encoder, amounts=work(plan, facts), seconds=est.seconds)
        for plan, facts in plans
        for est in [estimate(plan, facts, truth)]
    ]


def _ratios(speed: MachineSpeed, prior: MachineSpeed) -> dict[str, float]:
    ratios = {name: getattr(speed, name) / getattr(prior, name) for name in FITTED}
    ratios.update({k: speed.encode_cost(k) / prior.encode_cost(k) for k in prior.encode})
    return ratios


def test_fit_finds_the_coefficients_that_made_the_timings():
    prior = MachineSpeed()
    truth = prior.evolve(
        startup=prior.startup * 2.5, per_frame=prior.per_frame * 1.5, canvas=prior.canvas * 0.8,
        decode_video=prior.decode_video * 2.0, overlay=prior.overlay * 1.2,
        encode={**prior.encode, "libx264:high": prior.encode_cost("libx264:high") * 1.6,
                "libvpx-vp9:high": prior.encode_cost("libvpx-vp9:high") * 0.7},
    )  # fmt: skip
    runs = _runs(truth)
    fitted = fit(runs, prior)
    assert fitted.source == "calibrated" and fitted.factors == {}
    errors = sorted(abs(estimate_seconds(fitted, o) - o.seconds) / o.seconds for o in runs)
    assert errors[len(errors) // 2] < 0.03 and errors[-1] < 0.1  # the pull to the prior costs a bit
    assert fitted.encode_cost("libx264:high") / fitted.encode_cost("libx264:draft") > 10
    assert fitted.encode_cost("gif:draft") == fitted.encode_cost("gif:standard")  # no presets


def test_fit_without_runs_keeps_the_prior_and_a_slower_machine_scales_it_all():
    prior = MachineSpeed()
    assert all(r == pytest.approx(1.0) for r in _ratios(fit([], prior), prior).values())
    slow = prior.evolve(  # twice as slow at everything
        **{name: getattr(prior, name) * 2 for name in FITTED},
        **{name: getattr(prior, name) * 2 for name in ("per_input", "decode_still", "fade",
                                                       "audio_decode")},
        encode={k: v * 2 for k, v in prior.encode.items()},
        audio_encode={k: v * 2 for k, v in prior.audio_encode.items()},
    )  # fmt: skip
    x264_only = [obs for obs in _runs(slow) if obs.encoder.startswith("libx264")]
    fitted = fit(x264_only, prior)
    # VP9 was never timed: it follows the machine's overall ratio, not the prior's value.
    assert fitted.encode_cost("libvpx-vp9:high") / prior.encode_cost("libvpx-vp9:high") > 1.6
    assert fitted.per_input == pytest.approx(2 * prior.per_input, rel=0.2)


def test_one_slow_run_does_not_throw_its_coefficient_far():
    prior = MachineSpeed()
    runs = _runs(prior)
    odd = next(i for i, obs in enumerate(runs) if obs.encoder == "prores_ks:high")
    runs[odd] = dataclasses.replace(runs[odd], seconds=runs[odd].seconds * 2.5)  # a busy moment
    fitted = fit(runs, prior)
    assert fitted.encode_cost("prores_ks:high") / prior.encode_cost("prores_ks:high") < 1.5
    assert fitted.encode_cost("libx264:draft") == pytest.approx(prior.encode_cost("libx264:draft"),
                                                               rel=0.1)  # fmt: skip


def estimate_seconds(speed: MachineSpeed, obs: Observation) -> float:
    """``estimate`` from an observation's work amounts (what ``fit`` minimises against)."""
    a = obs.amounts
    codec = obs.encoder.split(":", 1)[0]
    return (
        speed.startup + speed.encoder_startup.get(codec, 0.0) + speed.per_input * a["inputs"]
        + speed.per_frame * a["frames"]
        + speed.per_layer_frame * a["layer_frames"]
        + (speed.canvas + speed.encode_cost(obs.encoder)) * a["canvas"]
        + speed.decode_video * a["decode_video"] + speed.decode_still * a["decode_still"]
        + speed.scale * a["scale"] + speed.overlay * a["overlay"] + speed.fade * a["fade"]
        + speed.audio_decode * a["audio_decode"]
        + speed.audio_encode.get(codec, 0.0) * a["audio_encode"]
    )  # fmt: skip


def test_work_counts_frames_and_layer_frames():
    plan, facts = short_plan()
    amounts = work(plan, facts)
    assert amounts["frames"] == 150
    assert amounts["layer_frames"] == pytest.approx(150 + 150)  # the clip's frames, the logo's


@pytest.mark.render
def test_a_real_calibration_measures_this_machine():
    runs = (calibration.RUNS[0], calibration.RUNS[1], calibration.RUNS[5])
    lines: list[str] = []
    speed = calibration.calibrate(report=lines.append, runs=runs)
    assert speed.source == "calibrated"
    assert 0.01 < speed.startup < 2.0
    assert all(value > 0 for value in speed.encode.values())
    assert len(lines) == len(runs) + 1 and lines[0].startswith("fixed cost")
