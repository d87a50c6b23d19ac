"""The routing policy: render now, or hand out a job id and render in the background.

Pure: an estimate and a threshold in, a decision with its reason out. The
threshold, the estimate and the reason are stored on the job, so a wrong
guess can be studied later.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any, Literal

from vidgen_desktop import config

ResponseType = Literal["immediate", "async"]


def default_threshold() -> float:
    """The configured threshold: settings file, ``VIDGEN_THRESHOLD`` overriding it."""
    return config.load().route_threshold


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    response_type: ResponseType
    route: str  # "local" now; "remote" once a team queue takes async jobs
    estimate: float
    threshold: float
    reason: str


def decide(estimate: float, threshold: float, *, queue_route: str = "local") -> Decision:
    """``estimate ≤ threshold``: render now, here; otherwise queue it."""
    if threshold < 0:
        raise ValueError(f"the threshold must be 0 s or more, got {threshold}")
    if estimate <= threshold:
        reason = f"estimated {estimate:.1f} s ≤ threshold {threshold:g} s: render now"
        return Decision(
            response_type="immediate", route="local", estimate=estimate, threshold=threshold,
            reason=reason,
        )  # fmt: skip
    reason = f"estimated {estimate:.1f} s > threshold {threshold:g} s: queued ({queue_route})"
    return Decision(
        response_type="async", route=queue_route, estimate=estimate, threshold=threshold,
        reason=reason,
    )  # fmt: skip


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Submission:
    """What ``JobService.submit`` answers: the file (immediate) or the job id (async)."""

    job_id: uuid.UUID
    response_type: ResponseType
    status: str  # the job's status now
    estimate: float
    reason: str
    output_path: Path | None = None
    output_url: str | None = None
    duration: float | None = None  # seconds from submit to file ready (immediate)

    def to_response(self) -> dict[str, Any]:
        """The seed API's response shape."""
        if self.response_type == "immediate":
            return {
                "status": "completed",
                "result": str(self.output_path) if self.output_path else self.output_url,
                "job_id": str(self.job_id),
                "duration": self.duration,
                "estimate": self.estimate,
            }
        return {"status": "processing", "job_id": str(self.job_id), "estimate": self.estimate}
