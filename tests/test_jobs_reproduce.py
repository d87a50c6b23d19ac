"""`vidgen jobs reproduce`: a past job's project rebuilt from the job log, each source found
again by the content hash the job kept, after the media were moved, renamed and deleted;
its render is pixel-equal to the job's. What made the render is kept with the job."""

from __future__ import annotations

import json
import shutil

import pytest

import jobkit
from mediakit import decode_frames, solid, write_png
from vidgen_desktop import __version__, cli
from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition

pytestmark = pytest.mark.render
W, H = 160, 90


def run(capsys, *args: str, status: int = 0) -> tuple[str, str]:
    assert cli.main(list(args)) == status
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.fixture
def job(home, capsys):
    """A rendered job of a project with a video, a logo and a title; its output and media."""
    media = home / "media"
    media.mkdir()
    clip = jobkit.clip(media, 1.0, (96, 72))
    logo = write_png(media / "logo.png", solid(40, 30, (250, 40, 90, 255)))
    comp = Composition.from_data({
        "name": "Teaser",
        "output": {"width": W, "height": H, "fps": 15, "duration": 1, "quality": "draft"},
        "elements": [
            {"type": "video", "id": "clip", "source": str(clip), "fit": "cover"},
            {"type": "image", "id": "logo", "source": str(logo), "x": "70%", "y": "10%",
             "width": "25%", "height": "30%"},
            {"type": "text", "id": "title", "text": "Spring", "x": "5%", "y": "60%",
             "width": "60%", "height": "30%", "color": "#ffffff"},
        ],
    })  # fmt: skip
    path = jobkit.save(comp, home / "teaser.json")
    done = json.loads(run(capsys, "submit", str(path), "-o", str(home / "first.mp4"), "--json")[0])
    listed = json.loads(run(capsys, "jobs", "list", "--json")[0])
    return {"id": listed["jobs"][0]["id"], "output": done["result"], "clip": clip, "logo": logo}


def test_each_rendered_job_keeps_what_made_it_and_its_sources_hashes(home, job, capsys):
    shown = json.loads(run(capsys, "jobs", "show", job["id"], "--json")[0])
    made = shown["made_with"]
    assert made["vidgen"] == __version__ and made["ffmpeg"]
    assert "libx264" in made["encoders"] and len(made["encoders"]) > 20
    text = run(capsys, "jobs", "show", job["id"])[0]
    assert f"vidgen {__version__}, FFmpeg {made['ffmpeg']} ({len(made['encoders'])} encoders)" \
        in text  # fmt: skip
    from vidgen_desktop.media.fingerprint import content_hash
    from vidgen_desktop.store import open_local

    with open_local() as db:
        hashes = {e.element_id: e.content_hash for e in db.jobs.elements(job["id"])}
    assert hashes == {"clip": content_hash(job["clip"]), "logo": content_hash(job["logo"]),
                      "title": None}  # fmt: skip


def test_moved_renamed_and_deleted_media_are_found_by_content_and_render_the_same(
    home, job, capsys, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    (tmp_path / "vault").mkdir()
    backup = shutil.copy(job["logo"], tmp_path / "vault" / "logo-backup.png")  # not searched
    shutil.move(job["clip"], elsewhere / "deep" / "renamed.mp4")  # moved and renamed
    job["logo"].unlink()  # deleted
    (tmp_path / "projects").mkdir()
    out = tmp_path / "projects" / "again.vidgen.json"  # its folder is searched too

    printed, err = run(capsys, "jobs", "reproduce", job["id"][:8], "-o", str(out), "--search",
                       str(elsewhere), status=1)  # fmt: skip
    assert printed.strip() == str(out) and out.is_file()  # written anyway, to relink by hand
    assert f"element 'clip': {job['clip']} is now found at {elsewhere / 'deep' / 'renamed.mp4'}" \
        in err  # fmt: skip
    assert f"element 'logo': {job['logo']} is gone and no file with its content" in err
    assert "element 'title'" not in err
    assert project.load(out).elements[1].source == str(job["logo"])  # kept, not dropped

    shutil.move(backup, elsewhere / "kept-safe.png")  # the designer finds a copy
    printed, err = run(capsys, "jobs", "reproduce", job["id"], "-o", str(out), "--search",
                       str(elsewhere))  # fmt: skip
    assert "is gone" not in err and "kept-safe.png" in err
    rebuilt = project.load(out)
    assert [e.source for e in rebuilt.elements if hasattr(e, "source")] == [
        str(elsewhere / "deep" / "renamed.mp4"), str(elsewhere / "kept-safe.png")]  # fmt: skip

    again = tmp_path / "again.mp4"
    run(capsys, "render", str(out), "-o", str(again))
    first, second = decode_frames(job["output"], W, H), decode_frames(again, W, H)
    assert first.shape == second.shape and len(first) == 15
    assert (first == second).all(), "the reproduced render differs from the job's"


def test_reproduce_says_when_the_text_layout_or_ffmpeg_is_not_what_rendered_the_job(
    home, job, capsys, tmp_path
):
    from vidgen_desktop.store import open_local

    with open_local() as db:
        made = dict(db.jobs.get(job["id"]).made_with)
        layout = made["text_layout"]
        made.update(text_layout="basic" if layout == "raqm" else "raqm", ffmpeg="n4.4")
        db.jobs.update(job["id"], made_with=made)
    _, err = run(capsys, "jobs", "reproduce", job["id"], "-o", str(tmp_path / "p.vidgen.json"))
    assert f"the text layout {made['text_layout']} rendered it, this is {layout}" in err
    assert "FFmpeg n4.4 rendered it" in err and "the pixels may differ" in err


def test_a_job_without_hashes_still_reproduces_what_is_there(home, job, capsys, tmp_path):
    """Jobs logged before content hashes: sources still at their path are kept unverified."""
    from vidgen_desktop.store import open_local
    from vidgen_desktop.store.schema import elements

    with open_local() as db, db.write() as connection:
        connection.execute(elements.update().values(content_hash=None))
    out = tmp_path / "old.vidgen.json"
    _, err = run(capsys, "jobs", "reproduce", job["id"], "-o", str(out))
    assert "is gone" not in err and project.load(out).elements[0].source == str(job["clip"])
    job["clip"].unlink()
    _, err = run(capsys, "jobs", "reproduce", job["id"], "-o", str(out), status=1)
    assert f"element 'clip': {job['clip']} is gone (the job kept no content hash)" in err
