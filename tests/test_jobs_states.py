from __future__ import annotations

import asyncio
import errno
import itertools

import pytest

from vidgen_desktop import errors
from vidgen_desktop.jobs import errors as job_errors
from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.errors import FailureKind
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus

S = JobStatus
LEGAL = {
    (S.PENDING, S.QUEUED),
    (S.PENDING, S.PROCESSING),
    (S.PENDING, S.FAILED),
    (S.PENDING, S.CANCELLED),
    (S.QUEUED, S.PROCESSING),
    (S.QUEUED, S.CANCELLED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.CANCELLED),
    (S.PROCESSING, S.QUEUED),
    (S.FAILED, S.QUEUED),
    (S.CANCELLED, S.QUEUED),
}
ALL_PAIRS = list(itertools.product(JobStatus, repeat=2))


def test_the_table_is_the_documented_one() -> None:
    assert set(states.allowed_pairs()) == LEGAL


@pytest.mark.parametrize(("old", "new"), sorted(LEGAL))
def test_legal_transition(old: JobStatus, new: JobStatus) -> None:
    assert states.can_transition(old, new)
    assert states.check_transition(old.value, new.value) is new


@pytest.mark.parametrize(("old", "new"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transition_raises_naming_both_states(old: JobStatus, new: JobStatus) -> None:
    assert not states.can_transition(old, new)
    with pytest.raises(IllegalTransition) as caught:
        states.check_transition(old, new, job_id="abc")
    message = str(caught.value)
    assert f"'{old}'" in message and f"'{new}'" in message and "abc" in message
    assert isinstance(caught.value, errors.VidgenError)
    assert (caught.value.old, caught.value.new) == (old.value, new.value)


def test_completed_is_final_and_says_so() -> None:
    with pytest.raises(IllegalTransition, match="'completed' is final"):
        states.check_transition(S.COMPLETED, S.QUEUED)


def test_unknown_state_names() -> None:
    assert not states.can_transition("pending", "exploded")
    with pytest.raises(IllegalTransition, match="'nope' is not a job state"):
        states.check_transition("nope", "queued")
    with pytest.raises(errors.VidgenError, match="one of: pending"):
        states.parse("nope")


def test_terminal_and_active_partition_the_states() -> None:
    for status in JobStatus:
        assert states.is_terminal(status) != states.is_active(status)
    assert {S.COMPLETED, S.FAILED, S.CANCELLED} == states.TERMINAL
    assert {S.FAILED, S.CANCELLED} == states.RETRYABLE
    assert {S.PENDING, S.QUEUED, S.PROCESSING} == states.CANCELLABLE


@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (job_errors.BadInput("no logo", code="source_missing"), "bad_input", "source_missing"),
        (job_errors.TransientFailure("disk hiccup"), "transient", "transient"),
        (job_errors.JobCancelled(), "cancelled", "cancelled"),
        (errors.RenderCancelled(), "cancelled", "cancelled"),
        (asyncio.CancelledError(), "cancelled", "cancelled"),
        (errors.CompositionError("width must be even"), "bad_input", "invalid_composition"),
        (errors.ProjectFileError("not JSON"), "bad_input", "project_file"),
        (errors.MediaError("logo.png is not an image", path="logo.png"), "bad_input", "media"),
        (errors.FFmpegNotFoundError(), "bad_input", "ffmpeg_not_found"),
        (errors.RenderError("ffmpeg exited 1", detail="stderr…"), "transient", "render"),
        (FileNotFoundError(2, "No such file", "a.mp4"), "bad_input", "file_not_found"),
        (PermissionError(13, "denied"), "bad_input", "permission_denied"),
        (OSError(errno.ENOSPC, "No space left on device"), "transient", "disk_full"),
        (TimeoutError(), "transient", "timeout"),
        (ConnectionResetError(), "transient", "connection"),
        (MemoryError(), "transient", "out_of_memory"),
        (ValueError("a bug"), "internal", "internal"),
        (states.IllegalTransition("queued", "completed"), "internal", "internal"),
    ],
)
def test_classify(exc: BaseException, kind: str, code: str) -> None:
    failure = job_errors.classify(exc)
    assert (failure.kind, failure.code) == (FailureKind(kind), code)
    assert failure.retryable == (kind == "transient")
    assert failure.message


def test_classify_keeps_the_technical_detail_for_the_log() -> None:
    failure = job_errors.classify(errors.RenderError("the render failed", detail="x264 [error]"))
    assert failure.message == "the render failed"
    assert failure.detail == "x264 [error]"
    assert "ValueError" in job_errors.classify(ValueError("bad")).detail
    assert job_errors.classify(errors.RenderCancelled()).message == "The render was cancelled."


def test_backoff_schedule_grows_and_is_capped() -> None:
    assert job_errors.backoff_schedule(4) == [10.0, 30.0, 90.0]
    assert job_errors.backoff_seconds(10) == job_errors.BACKOFF_CAP
    assert job_errors.backoff_seconds(2, base=1, factor=2) == 2
    with pytest.raises(ValueError):
        job_errors.backoff_seconds(0)
    for _ in range(50):
        assert 15.0 <= job_errors.backoff_seconds(2, jitter=0.5) <= 30.0


def test_retry_delay_only_for_transient_failures_within_the_limit() -> None:
    transient = job_errors.classify(TimeoutError())
    bad = job_errors.classify(FileNotFoundError())
    assert job_errors.retry_delay(transient, attempts=1, max_attempts=3) == 10.0
    assert job_errors.retry_delay(transient, attempts=2, max_attempts=3) == 30.0
    assert job_errors.retry_delay(transient, attempts=3, max_attempts=3) is None
    assert job_errors.retry_delay(bad, attempts=1, max_attempts=3) is None
    assert job_errors.retry_delay(job_errors.classify(errors.RenderCancelled()), 1) is None
