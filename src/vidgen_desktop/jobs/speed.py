"""This machine's render speed, kept in the job log's ``system_metrics``.

``load`` gives the newest coefficients (the defaults before any calibration),
``save`` stores a new set (``vidgen calibrate``), ``learn`` refines the
correction of the render's encoder and resolution class after it completed.
Each save is a new row, so the history of how the estimate evolved stays
readable.
"""

from __future__ import annotations

from vidgen_desktop.jobs.ports import MetricRepo
from vidgen_desktop.render.estimate import MachineSpeed, refine

METRIC = "render_speed"
UNIT = "s/Mpx-frame"  # the value column: x264 'standard' encode cost, for a quick look


def load(metrics: MetricRepo) -> MachineSpeed:
    record = metrics.get(METRIC)
    if record is None or not record.details:
        return MachineSpeed()
    return MachineSpeed.from_dict(record.details)


def save(metrics: MetricRepo, speed: MachineSpeed) -> MachineSpeed:
    metrics.put(METRIC, speed.encode_cost("libx264:standard"), unit=UNIT, details=speed.to_dict())
    return speed


def learn(
    metrics: MetricRepo, encoder: str, raw_estimate: float, actual: float, resolution: str = ""
) -> MachineSpeed:
    """Fold one finished render (FFmpeg's own seconds) into the stored speed."""
    return save(metrics, refine(load(metrics), encoder, raw_estimate, actual, resolution))


def calibrated(metrics: MetricRepo) -> bool:
    """Whether this machine's speed was ever measured or learned (else the defaults)."""
    return load(metrics).source != "defaults"
