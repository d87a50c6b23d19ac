"""`vidgen batch`: a template and a table of rows become one checked video per row and size.

Real FFmpeg renders through the embedded queue; each row's video is compared
with `vidgen preview` of that row, pixel by pixel, and the rows with each other.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediakit import decode_frames
from vidgen_desktop import cli
from vidgen_desktop.store import JobQuery, open_local

pytestmark = pytest.mark.render

W, H = 160, 90
ROWS = [  # headline, accent colour, product picture, price
    ("Alpha", "#ff0000", "red.png", "1"),
    ("Bravo", "#00ff00", "blue.png", "2.5"),
    ("Charlie", "#0000ff", "red.png", "3"),
    ("Delta", "#ffff00", "blue.png", "4"),
    ("Echo", "#ff00ff", "red.png", "12"),
]


def template(folder: Path) -> Path:
    for name, rgb in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        Image.new("RGB", (32, 32), rgb).save(folder / f"{name}.png")
    path = folder / "promo.json"
    path.write_text(json.dumps({
        "schema_version": 2, "name": "promo",
        "output": {"width": W, "height": H, "fps": 10, "duration": 0.5, "quality": "high"},
        "variables": {
            "headline": {"type": "text", "default": "Sale"},
            "accent": {"type": "color", "default": "#ffffff"},
            "product": {"type": "image", "default": "red.png"},
            "price": {"type": "number", "default": 1, "format": "{:.2f} €"},
        },
        "elements": [
            {"id": "photo", "type": "image", "source": "{{product}}", "x": "70%", "y": "0%",
             "width": "30%", "height": "40%", "fit": "fill"},
            {"id": "title", "type": "text", "text": "{{headline}} {{price}}",
             "color": "{{accent}}", "x": "0%", "y": "45%", "width": "100%", "height": "55%",
             "font_weight": "bold"},
        ],
    }))  # fmt: skip
    return path


def write_rows(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["headline", "accent", "product", "price"])
        writer.writerows(rows)
    return path


def read_table(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((out / "batch.csv").read_text().splitlines()))


def title_region(frame: np.ndarray) -> np.ndarray:
    return frame[int(H * 0.45) :, :, :3].astype(float)


def test_five_rows_render_five_videos_that_match_each_rows_preview(home, capsys):
    project, rows = template(home), write_rows(home / "rows.csv", ROWS)
    out = home / "out"
    status = cli.main(["batch", str(project), str(rows), "--out", str(out),
                       "--name", "{{headline}}-{{row}}"])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "batch: 5/5 done (100%)" in captured.err

    table = read_table(out)
    assert [r["row"] for r in table] == ["1", "2", "3", "4", "5"]
    assert {r["status"] for r in table} == {"completed"}
    names = [Path(r["output"]).name for r in table]
    assert names == [f"{row[0]}-{n:03d}.mp4" for n, row in enumerate(ROWS, 1)]
    assert all(r["share_link"].startswith("file://") for r in table)

    titles = []
    for n, entry in enumerate(table, 1):
        frame = decode_frames(Path(entry["output"]), W, H)[0]
        picture = home / f"preview-{n}.png"
        assert cli.main(["preview", str(project), "--rows", str(rows), "--row", str(n),
                         "--at", "0", "-o", str(picture)]) == 0  # fmt: skip
        preview = np.asarray(Image.open(picture).convert("RGB"))
        # the video is the row's preview (up to H.264's loss at quality high)
        assert np.abs(title_region(frame) - title_region(preview)).mean() < 6, n
        photo = frame[: int(H * 0.35), int(W * 0.75) :].reshape(-1, 3).mean(axis=0)
        expected = (255, 0, 0) if ROWS[n - 1][2] == "red.png" else (0, 0, 255)
        assert np.abs(photo - expected).max() < 40, (n, photo)
        titles.append(title_region(frame))
    for a in range(5):  # every row's title differs from every other row's
        for b in range(a + 1, 5):
            assert np.abs(titles[a] - titles[b]).mean() > 3, (a + 1, b + 1)

    with open_local() as db:
        batch = db.jobs.get(table[0]["job_id"]).batch_id
        jobs = db.jobs.list(JobQuery(batch_id=batch, limit=None))
        assert len(jobs) == 5 and {j.route for j in jobs} == {"local"}
        row4 = db.jobs.get(table[3]["job_id"]).batch_row
        assert row4 == {"row": 4, "size": f"{W}x{H}", "values": {
            "headline": "Delta", "accent": "#ffff00", "product": "blue.png", "price": "4",
        }}  # fmt: skip
        assert "{{" not in json.dumps(db.jobs.get(table[3]["job_id"]).composition)

    # the job log groups the batch: list and export it by its id (another job stays out)
    assert cli.main(["submit", str(project), "-o", str(home / "x.mp4")]) == 0  # the defaults
    capsys.readouterr()
    assert cli.main(["jobs", "export", "--batch", str(batch), "-o", str(home / "b.csv")]) == 0
    exported = list(csv.DictReader((home / "b.csv").read_text().splitlines()))
    assert sorted(int(json.loads(r["batch_row"])["row"]) for r in exported) == [1, 2, 3, 4, 5]
    assert cli.main(["jobs", "list", "--batch", str(batch)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5
    assert cli.main(["jobs", "list", "--batch", "nope"]) == 1
    assert "--batch: 'nope' is not a batch id" in capsys.readouterr().err


def test_bad_rows_are_all_reported_by_number_and_nothing_renders(home, capsys):
    project = template(home)
    rows = write_rows(
        home / "rows.csv",
        [
            ROWS[0],
            ("Bravo", "#00ff00", "gone.png", "2"),
            ROWS[2],
            ("Delta", "teal-ish", "red.png", "cheap"),
        ],
    )
    out = home / "out"
    assert cli.main(["batch", str(project), str(rows), "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"vidgen: row 2: variable 'product' (element 'photo'): file {home / 'gone.png'} "
        "does not exist",
        "vidgen: row 4: variable 'accent' (element 'title'): 'teal-ish' is not a colour like "
        "'#ff3366'",
        "vidgen: row 4: variable 'price' (element 'title'): 'cheap' is not a number",
        "vidgen: 2 of 4 rows cannot be rendered (row 2, 4); nothing was queued: fix them, or "
        "pass --skip-bad to render the others",
    ]
    assert not out.exists()
    with open_local() as db:
        assert db.jobs.count() == 0

    assert cli.main(["batch", str(project), str(rows), "--out", str(out), "--skip-bad"]) == 0
    table = read_table(out)
    assert [(r["row"], r["status"]) for r in table] == [("1", "completed"), ("3", "completed")]


def test_sizes_make_one_video_per_row_and_size_with_the_layout_kept(home, capsys):
    project, rows = template(home), write_rows(home / "rows.csv", ROWS[:2])
    out = home / "out"
    assert cli.main(["batch", str(project), str(rows), "--out", str(out),
                     "--sizes", f"{W}x{H},{H}x{W}"]) == 0  # fmt: skip
    table = read_table(out)
    assert [(r["row"], r["size"]) for r in table] == [
        ("1", f"{W}x{H}"), ("1", f"{H}x{W}"), ("2", f"{W}x{H}"), ("2", f"{H}x{W}")]  # fmt: skip
    assert Path(table[1]["output"]).name == f"promo-001-{H}x{W}.mp4"
    tall = decode_frames(Path(table[1]["output"]), H, W)[0]
    # the photo keeps its % box: the top right 30% × 40% of the tall canvas is red
    corner = tall[: int(W * 0.35), int(H * 0.75) :].reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - (255, 0, 0)).max() < 40
    assert capsys.readouterr().out.splitlines()[-1] == str(out / "batch.csv")
