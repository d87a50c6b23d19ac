"""README's pictures exist and show the editor's window, not a stale or empty grab."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def _linked_images() -> list[Path]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [ROOT / link for link in re.findall(r"\((docs/[^)\s]+\.png)\)", text)]


def test_every_screenshot_in_docs_is_linked_from_the_readme_and_exists() -> None:
    linked = _linked_images()
    assert all(path.is_file() for path in linked), [p for p in linked if not p.is_file()]
    assert sorted(linked) == sorted((ROOT / "docs").glob("*.png"))


def test_the_screenshots_are_of_a_whole_window_in_the_theme_they_show() -> None:
    """Dark (the default) unless the name says ``-light``; both themes are pictured."""
    linked = _linked_images()
    assert {p.stem.endswith("-light") for p in linked} == {True, False}
    for path in linked:
        image = np.asarray(Image.open(path).convert("RGB"), dtype=float)
        height, width, _ = image.shape
        assert width >= 1200 and height >= 800, path  # the window, not a panel
        # the window's frame (menu bar row, status bar row) is dark, or light for -light
        edges = np.concatenate([image[:14].reshape(-1, 3), image[-14:].reshape(-1, 3)])
        if path.stem.endswith("-light"):
            assert edges.mean() > 200, path
        else:
            assert edges.mean() < 90, path
        # the toolbar has icons and the accent-coloured Render button (issue 12's look)
        top_right = image[20:56, width - 200 :].reshape(-1, 3)
        accent = (top_right[:, 2] > 150) & (top_right[:, 0] < 90)
        assert accent.mean() > 0.3, path
        assert image.std() > 30, path  # something is open on the canvas, not an empty page
