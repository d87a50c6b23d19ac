"""This machine's coefficients from timed renders: least squares on relative error.

``render.calibrate`` times small real renders; ``fit`` finds the ``MachineSpeed``
whose estimates (``render.estimate``) best explain those times.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from vidgen_desktop.render.estimate import MachineSpeed

# ``fit``'s regularisation, in units of one run's relative error:
FIT_PRIOR_WEIGHT = 0.25  # each coefficient's ratio to the prior toward the shared ratio
FAMILY_WEIGHT = 0.3  # presets of one encoder toward each other
FIT_ANCHOR_WEIGHT = 0.01  # the shared ratio toward 1
FIT_HUBER = 0.15  # relative error beyond which a run's weight shrinks
FIT_ROUNDS = 4  # reweighting rounds
FIT_LIMITS = (0.1, 10.0)  # a fitted coefficient stays within this multiple of its prior
# plus every encode cost
FITTED = ("startup", "per_frame", "per_layer_frame", "canvas", "decode_video", "scale", "overlay")
SAME_COST = {"gif:draft": "gif:standard", "gif:high": "gif:standard"}  # GIF has no presets


@dataclasses.dataclass(frozen=True, kw_only=True)
class Observation:
    """One timed render: its encoder key, its ``work`` amounts and FFmpeg's seconds."""

    encoder: str
    amounts: Mapping[str, float]
    seconds: float


def fit(
    observations: list[Observation],
    prior: MachineSpeed | None = None,
    *,
    prior_weight: float = FIT_PRIOR_WEIGHT,
) -> MachineSpeed:
    """The coefficients that best explain ``observations``: least squares on relative error.

    Solves for ``FITTED`` (fixed cost, per frame, canvas, decode, scale, overlay)
    and every encoder's cost, as ratios to ``prior``. Timings alone cannot pull
    apart costs that always come together, and one slow run (another process
    busy) would otherwise land on whichever coefficient only it measures, so the
    solution is regularised: each ratio is pulled (``prior_weight``) toward one
    shared ratio, the machine's overall speed against the prior, and the presets
    of one encoder toward each other (``FAMILY_WEIGHT``). Runs far off the rest
    are down-weighted (Huber, ``FIT_HUBER``), and every ratio stays within
    ``FIT_LIMITS``. The rest (inputs opened, stills decoded, sound), which no run
    tells apart, has one ratio of its own, tied like the others: the costs are
    solved for as they are returned, so the result reproduces the runs (it once
    held the rest at the prior while solving and scaled it after, which put the
    calibration's own runs 5-20 % over their times). Fades keep their share of
    overlay.
    """
    prior = prior or MachineSpeed()
    keys = sorted(k for k in prior.encode if k not in SAME_COST)
    theta0 = np.array(
        [getattr(prior, n) for n in FITTED] + [prior.encode_cost(k) for k in keys] + [1.0]
    )
    n = len(theta0)  # unknowns: the n ratios to the prior (the last: the rest's), then the shared
    fade_share = prior.fade / prior.overlay if prior.overlay > 0 else 0.0
    rows: list[np.ndarray] = []
    targets: list[float] = []
    for obs in observations:
        if obs.seconds <= 0:
            continue
        row = np.zeros(n + 1)
        row[:n] = _fit_amounts(obs, keys, fade_share, prior) * theta0
        rows.append(row / obs.seconds)
        targets.append(1.0)
    runs = len(rows)

    def tie(a: int, b: int, weight: float) -> None:
        row = np.zeros(n + 1)
        row[a], row[b] = weight, -weight
        rows.append(row)
        targets.append(0.0)

    for j in range(n):
        tie(j, n, prior_weight)
    families: dict[str, list[int]] = {}
    for j, key in enumerate(keys):
        families.setdefault(key.split(":", 1)[0], []).append(len(FITTED) + j)
    for members in families.values():
        for a, b in zip(members, members[1:], strict=False):
            tie(a, b, FAMILY_WEIGHT)
    anchor = np.zeros(n + 1)
    anchor[n] = FIT_ANCHOR_WEIGHT  # the shared ratio itself: free, but not unbounded
    rows.append(anchor)
    targets.append(FIT_ANCHOR_WEIGHT)

    matrix, target = np.array(rows), np.array(targets)
    weights = np.ones(len(rows))
    for _ in range(FIT_ROUNDS):  # iteratively reweighted: a run far off the rest counts less
        solution, *_ = np.linalg.lstsq(matrix * weights[:, None], target * weights, rcond=None)
        residual = np.abs(matrix[:runs] @ solution - target[:runs])
        weights[:runs] = 1.0 / np.maximum(1.0, residual / FIT_HUBER)
    ratios = np.clip(solution[:n], *FIT_LIMITS)
    theta = ratios * theta0
    fitted = {name: float(v) for name, v in zip(FITTED, theta[: len(FITTED)], strict=True)}
    encode = {key: float(v) for key, v in zip(keys, theta[len(FITTED) : -1], strict=True)}
    rest, startup = float(ratios[-1]), float(ratios[0])
    encode.update({key: encode[same] for key, same in SAME_COST.items()})
    return prior.evolve(
        **fitted,
        fade=fade_share * fitted["overlay"],
        per_input=prior.per_input * rest,
        decode_still=prior.decode_still * rest,
        audio_decode=prior.audio_decode * rest,
        audio_encode={k: v * rest for k, v in prior.audio_encode.items()},
        encode=encode,
        encoder_startup={k: v * startup for k, v in prior.encoder_startup.items()},
        factors={},
        history={},  # ratios to the old coefficients say nothing about the new ones
        source="calibrated",
    )


def _fit_amounts(
    obs: Observation, keys: list[str], fade_share: float, prior: MachineSpeed
) -> np.ndarray:
    """The run's work in the order of ``fit``'s unknowns: ``FITTED``, encoder ``keys``, then
    the prior's seconds for the rest (inputs opened, stills decoded, sound)."""
    a = obs.amounts
    amounts = np.zeros(len(FITTED) + len(keys) + 1)
    codec = obs.encoder.split(":", 1)[0]
    # the start-up's column carries the encoder's start-up too: one ratio scales both
    start = 1.0 + prior.encoder_startup.get(codec, 0.0) / max(prior.startup, 1e-9)
    amounts[: len(FITTED)] = [
        start, a["frames"], a["layer_frames"], a["canvas"], a["decode_video"], a["scale"],
        a["overlay"] + fade_share * a["fade"],
    ]  # fmt: skip
    encoder = SAME_COST.get(obs.encoder, obs.encoder)
    if encoder in keys:
        amounts[len(FITTED) + keys.index(encoder)] = a["canvas"]
    amounts[-1] = _unfitted_seconds(prior, obs)
    return amounts


def _unfitted_seconds(speed: MachineSpeed, obs: Observation) -> float:
    a = obs.amounts
    codec = obs.encoder.split(":", 1)[0]
    return (
        speed.per_input * a["inputs"]
        + speed.decode_still * a["decode_still"]
        + speed.audio_decode * a["audio_decode"]
        + speed.audio_encode.get(codec, 0.0) * a["audio_encode"]
    )
