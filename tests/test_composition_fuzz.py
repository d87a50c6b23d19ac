"""A property-based fuzz of project files (hypothesis): every document loads or is
refused in words, and what loads saves, reloads, estimates and builds its graph.

About 200 examples, derandomized so CI sees the same documents every run; the
benchmark ``benchmarks/fuzz_projects.py`` runs thousands. Strategies: ``fuzzkit``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

import fuzzkit

FUZZ = settings(
    max_examples=200,
    derandomize=True,  # the same 200 documents every run: deterministic CI
    deadline=None,  # a shared machine's hiccup is not a failure
    database=None,  # nothing written beside the tests
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(fuzzkit.documents())
def test_every_document_loads_or_is_refused_in_words(document) -> None:
    text, facts = document
    with tempfile.TemporaryDirectory(prefix="vidgen-fuzz-") as folder:
        assert fuzzkit.check(text, facts, Path(folder)) in ("loaded", "refused")


def test_a_document_using_one_source_twice_builds_its_graph(tmp_path: Path) -> None:
    """The case the fuzz found first with shared sources (issue 8 item 1): one clip twice."""
    text = (
        '{"elements": [{"type": "video", "id": "bg", "source": "/m/clip.mp4"},'
        ' {"type": "video", "id": "pip", "source": "/m/clip.mp4", "width": "30%"}]}'
    )
    facts = [fuzzkit.Facts(64, 36, 4.0, 30.0, True, False)]
    assert fuzzkit.check(text, facts, tmp_path) == "loaded"
