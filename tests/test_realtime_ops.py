"""Supabase Realtime's event type, as realtime-py hands it over, becomes the port's ``op``."""

from __future__ import annotations

import uuid

import pytest
from realtime import RealtimePostgresChangesListenEvent as Listen

from vidgen_desktop.realtime.base import normalise_op
from vidgen_desktop.realtime.supabase_rows import event_from_record


@pytest.mark.parametrize(
    ("given", "op"),
    [
        (Listen.Insert, "INSERT"),
        (Listen.Update, "UPDATE"),
        ("RealtimePostgresChangesListenEvent.Insert", "INSERT"),  # its str(), as once logged
        ("UPDATE", "UPDATE"),
        ("SNAPSHOT", "SNAPSHOT"),
    ],
)
def test_every_spelling_of_the_event_type_is_one_op(given, op):
    assert normalise_op(given) == op


def test_a_realtime_record_with_the_enum_type_is_an_insert_event():
    job = uuid.uuid4()
    record = {"id": str(job), "status": "processing", "progress": 0.5, "current_step": "render",
              "updated_at": "2026-12-01T10:00:00", "change_seq": 7}  # fmt: skip
    event, seq = event_from_record("jobs", record, Listen.Insert)
    assert (event.op, event.job_id, event.step, seq, event.replayed) == (
        "INSERT", job, "render", 7, False)  # fmt: skip
