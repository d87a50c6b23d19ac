"""`vidgen submit / estimate / jobs / db / cleanup` on a real job log and real renders."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

import jobkit
from vidgen_desktop import cli
from vidgen_desktop.store import open_local

pytestmark = pytest.mark.render


@pytest.fixture
def project(home):
    return jobkit.save(jobkit.composition(jobkit.clip(home), name="Teaser"), home / "teaser.json")


def run(capsys, *args: str) -> str:
    assert cli.main(list(args)) == 0
    return capsys.readouterr().out


def test_submit_prints_the_file_or_the_job_id_and_json_shapes(home, project, capsys):
    out = run(capsys, "submit", str(project), "-o", str(home / "a.mp4"))
    assert out.strip() == str(home / "a.mp4") and (home / "a.mp4").is_file()

    done = json.loads(run(capsys, "submit", str(project), "-o", str(home / "b.mp4"), "--json"))
    assert done["status"] == "completed" and done["result"] == str(home / "b.mp4")
    assert done["duration"] > 0 and done["estimate"] > 0

    queued = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    assert set(queued) == {"status", "job_id", "estimate"} and queued["status"] == "processing"
    plain = run(capsys, "submit", str(project), "--threshold", "0").strip()
    with open_local() as db:
        assert db.jobs.get(done["job_id"]).status == "completed"
        assert db.jobs.get(queued["job_id"]).status == "queued"
        assert db.jobs.get(plain).response_type == "async"


def test_estimate_says_how_long_where_and_why(project, capsys):
    out = run(capsys, "estimate", str(project))
    assert "render now" in out and "≤ threshold 30 s" in out
    data = json.loads(run(capsys, "estimate", str(project), "--threshold", "0", "--json"))
    assert data["route"] == "async" and data["threshold"] == 0
    assert data["encoder"] == "libx264:draft" and data["frames"] == 15
    assert data["estimate"] == pytest.approx(sum(data["parts"].values()))


def test_estimate_reports_its_own_accuracy_over_this_machines_last_renders(home, project, capsys):
    assert "accuracy:  no finished render on this machine yet" in run(capsys, "estimate",
                                                                      str(project))  # fmt: skip
    assert json.loads(run(capsys, "estimate", str(project), "--json"))["accuracy"] == {
        "median_error": None, "renders": 0}  # fmt: skip
    done = [json.loads(run(capsys, "submit", str(project), "-o", str(home / f"{n}.mp4"),
                           "--json"))["job_id"] for n in range(3)]  # fmt: skip
    with open_local() as db:
        jobs = [db.jobs.get(job_id) for job_id in done]
        db.jobs.update(done[0], host="another-machine")  # a team log: not this machine's
    errors = sorted(abs(j.estimated_seconds - j.actual_seconds) / j.actual_seconds
                    for j in jobs[1:])  # fmt: skip
    data = json.loads(run(capsys, "estimate", str(project), "--json"))
    assert data["accuracy"]["renders"] == 2
    assert data["accuracy"]["median_error"] == pytest.approx(sum(errors) / 2, abs=1e-4)
    assert data["resolution"] == "sd" and data["correction"] > 0
    out = run(capsys, "estimate", str(project))
    assert f"median error {sum(errors) / 2:.0%} over the last 2 renders on this machine" in out


def test_a_bad_project_is_one_clear_line(home, capsys):
    jobkit.save(jobkit.composition(home / "gone.mp4"), home / "bad.json")
    assert cli.main(["submit", str(home / "bad.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vidgen: ") and "gone.mp4 does not exist" in err
    assert len(err.strip().splitlines()) == 1


def test_jobs_list_show_and_export_field_by_field(home, project, capsys):
    done = json.loads(run(capsys, "submit", str(project), "-o", str(home / "a.mp4"), "--json"))
    queued = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    with open_local() as db:
        records = {str(j.id): j for j in db.jobs.list()}

    listed = json.loads(run(capsys, "jobs", "list", "--json"))
    assert listed["total"] == 2
    assert [j["id"] for j in listed["jobs"]] == [queued["job_id"], done["job_id"]]  # newest first
    for job in listed["jobs"]:
        assert job == records[job["id"]].to_dict()
    only = json.loads(run(capsys, "jobs", "list", "--status", "queued", "--json"))
    assert [j["id"] for j in only["jobs"]] == [queued["job_id"]]
    paged = json.loads(run(capsys, "jobs", "list", "--limit", "1", "--offset", "1", "--json"))
    assert [j["id"] for j in paged["jobs"]] == [done["job_id"]] and paged["total"] == 2
    today = dt.date.today().isoformat()
    assert json.loads(run(capsys, "jobs", "list", "--until", today, "--json"))["total"] == 2
    assert json.loads(run(capsys, "jobs", "list", "--since", "2999-01-01", "--json"))["total"] == 0
    assert json.loads(run(capsys, "jobs", "list", "--search", "teas", "--json"))["total"] == 2
    assert json.loads(run(capsys, "jobs", "list", "--search", "nope", "--json"))["total"] == 0
    text = run(capsys, "jobs", "list")
    assert done["job_id"] in text and "immediate" in text and "Teaser" in text

    shown = json.loads(run(capsys, "jobs", "show", done["job_id"][:8], "--json"))
    added = ("timeline", "errors", "audit")  # beside the job's own fields
    assert {k: v for k, v in shown.items() if k not in added} == records[done["job_id"]].to_dict()
    assert shown["errors"] == [] and [a["action"] for a in shown["audit"]] == ["created"]
    assert [s["step"] for s in shown["timeline"]] == ["probe", "prepare", "render", "publish"]
    assert all(s["status"] == "completed" for s in shown["timeline"])
    text = run(capsys, "jobs", "show", done["job_id"])
    assert "route_reason" in text and "timeline:" in text and "publish" in text

    rows = list(csv.DictReader(io.StringIO(run(capsys, "jobs", "export", "--format", "csv"))))
    assert len(rows) == 2
    for row in rows:
        expected = records[row["id"]].to_dict()
        assert set(row) == set(expected)
        for name, value in expected.items():
            if value is None:
                assert row[name] == "", name
            elif isinstance(value, dict):
                assert json.loads(row[name]) == value, name
            elif isinstance(value, float):
                assert float(row[name]) == pytest.approx(value), name
            else:
                assert row[name] == str(value), name
    out_file = home / "jobs.json"
    run(capsys, "jobs", "export", "--format", "json", "-o", str(out_file))
    exported = json.loads(out_file.read_text())
    assert {j["id"]: j for j in exported} == {k: r.to_dict() for k, r in records.items()}


def test_jobs_cancel_retry_delete(project, capsys):
    queued = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    job_id = queued["job_id"]
    assert run(capsys, "jobs", "cancel", job_id).strip() == f"{job_id} cancelled"
    assert "queued again" in run(capsys, "jobs", "retry", job_id)
    assert cli.main(["jobs", "retry", job_id]) == 1
    assert "only failed or cancelled jobs retry" in capsys.readouterr().err
    assert run(capsys, "jobs", "delete", job_id).strip() == f"{job_id} deleted"
    assert cli.main(["jobs", "show", job_id]) == 1
    assert "no job with id" in capsys.readouterr().err


def test_db_backup_and_restore_round_trip(home, project, capsys):
    first = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    backup = home / "backup.sqlite3"
    assert run(capsys, "db", "backup", str(backup)).strip() == str(backup)
    run(capsys, "jobs", "delete", first["job_id"])
    second = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    out = run(capsys, "db", "restore", str(backup))
    assert "previous job log is kept" in out
    ids = [j["id"] for j in json.loads(run(capsys, "jobs", "list", "--json"))["jobs"]]
    assert ids == [first["job_id"]] and second["job_id"] not in ids
    assert "ok" in run(capsys, "db", "check").splitlines()
    assert "schema at" in run(capsys, "db", "upgrade")
    (home / "junk.sqlite3").write_text("not a database")
    assert cli.main(["db", "restore", str(home / "junk.sqlite3")]) == 1
    assert "not a Vidgen job database" in capsys.readouterr().err


def test_cleanup_deletes_old_finished_jobs_and_their_files(home, project, capsys):
    done = json.loads(run(capsys, "submit", str(project), "-o", str(home / "a.mp4"), "--json"))
    waiting = json.loads(run(capsys, "submit", str(project), "--threshold", "0", "--json"))
    assert "deleted 0 job(s)" in run(capsys, "cleanup", "--older-than", "30")
    out = run(capsys, "cleanup", "--older-than", "0", "--dry-run")
    assert f"would delete {home / 'a.mp4'}" in out and "would delete 1 job(s)" in out
    assert (home / "a.mp4").is_file()
    assert "deleted 1 job(s), 1 file(s)" in run(capsys, "cleanup", "--older-than", "0")
    assert not (home / "a.mp4").exists()
    ids = [j["id"] for j in json.loads(run(capsys, "jobs", "list", "--json"))["jobs"]]
    assert ids == [waiting["job_id"]] and done["job_id"] not in ids  # active jobs are kept
