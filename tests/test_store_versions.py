"""Revision 0010_versions: what made a render (jobs.made_with) and each source's content hash
(elements.content_hash) are kept in the local log, travel to the team database through the
outbox like every other column, and a downgrade and upgrade keep the outbox working."""

from __future__ import annotations

import json

import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition, Output, TextElement
from vidgen_desktop.store import migrate, open_local

MADE = {"vidgen": "0.1.0", "ffmpeg": "n9.0", "encoders": ["libx264", "aac"]}


def comp() -> Composition:
    text = TextElement(id="t", text="hi", width="50%", height="20%")
    return Composition(name="v", output=Output(width=160, height=90, duration=1), elements=[text])


def outbox(db, table: str) -> list[dict]:
    with db.read() as connection:
        rows = connection.execute(
            sa.text("SELECT payload FROM vidgen_outbox WHERE table_name = :t ORDER BY seq"),
            {"t": table},
        )
        return [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]  # fmt: skip


def test_versions_and_hashes_are_kept_and_replicated(home):
    with open_local() as db:
        job = db.jobs.create(comp())
        db.jobs.update(job.id, made_with=MADE)
        db.jobs.mark_element(job.id, "t", processed=False, content_hash="ab" * 32)
        assert db.jobs.get(job.id).made_with == MADE
        assert db.jobs.elements(job.id)[0].content_hash == "ab" * 32
        assert outbox(db, "jobs")[-1]["made_with"] == MADE  # as JSON, not a string of it
        assert outbox(db, "elements")[-1]["content_hash"] == "ab" * 32


def test_downgrade_below_0010_and_back_keeps_the_outbox_triggers(home):
    with open_local() as db:
        path = db.path
        before = db.jobs.create(comp())
    assert migrate.downgrade(path, "0006_search_text_index") == "0006_search_text_index"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # the 0005 triggers work on the narrower tables
        connection.exec_driver_sql(  # a change queued by an older Vidgen: no made_with key
            "UPDATE jobs SET project_name = 'renamed' WHERE id = ?", (before.id.hex,)
        )
        stale = [json.loads(r[0]) for r in connection.exec_driver_sql(
            "SELECT payload FROM vidgen_outbox WHERE table_name = 'jobs'")]  # fmt: skip
        names = {r[0] for r in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}  # fmt: skip
        columns = {r[1] for r in connection.exec_driver_sql("PRAGMA table_info(jobs)")}
    engine.dispose()
    assert {"vidgen_outbox_jobs_insert", "vidgen_outbox_elements_update"} <= names
    assert "made_with" not in columns
    assert any(p["project_name"] == "renamed" and "made_with" not in p for p in stale)
    with open_local() as db:  # upgraded again on open
        job = db.jobs.create(comp())
        db.jobs.update(job.id, made_with=MADE)
        snapshots = outbox(db, "jobs")
        assert snapshots[-1]["made_with"] == MADE
        # those queued before the upgrade name the new column too, so one INSERT sends all
        assert all("made_with" in payload for payload in snapshots)
        assert any(payload["project_name"] == "renamed" for payload in snapshots)
        assert all("content_hash" in payload for payload in outbox(db, "elements"))
