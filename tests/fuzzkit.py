"""Project files for fuzzing: valid structure mixed with hostile values (hypothesis).

``documents()`` draws a project file's text and fake probe facts for its media:
mostly the real shape (an output, elements of every type, known fields), with
each field left out, given a plausible value, or given a hostile one (huge,
negative, NaN, infinite, of the wrong type, odd or non-Latin strings), plus
unknown fields, duplicate or missing ids, other top-level shapes and truncated
JSON. ``check(text, facts, folder)`` is the property: the document loads or is
refused in words; what loads saves and reloads to itself, and its graph and
estimate build without an exception (FFmpeg is not run). It returns
"loaded" or "refused" and raises on anything else (a crash).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from factskit import Facts
from vidgen_desktop.cli import _one_line
from vidgen_desktop.composition import project
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.render import engine, estimate, graph

EDGE_NUMBERS = [
    0, -0.0, -1, 1e-9, 0.0005, 0.001, 0.5, 1, 4, 15, 16, 120, 121, 2000, 7679, 7680, 7681,
    21599.999, 21600, 21600.001, 86400, 86401, 2**31 - 1, 2**31, -(2**31) - 1, 1e15, 1e300,
    1e308, -1e308, 10**20, 2**64, 10**400, 5e-324,
]  # fmt: skip
ODD_STRINGS = [
    "", " ", "10%", "192px", " 7.5 % ", "1e3", "-5%", "0%", "NaN", "Infinity", "-inf", "0x10",
    "１２", "5 px", "%", "px", "\x00", "a\nb", "../../etc/passwd", "/etc/passwd", "/", "-rf",
    "--help", "'; DROP TABLE jobs;--", "%d.png", "concat:a|b", "file:x", "s3://bucket/k",
    "日本語", "\u202e", "\U0001f600", "a" * 300, "#fff", "red", "contain", "10000%",
    "-5000%", "9999.9999%", "768000px",
]  # fmt: skip

# An explicit alphabet: hypothesis's default one costs seconds to build in each process.
CHARACTERS = st.sampled_from(
    list("abcXYZ019 .-_%#:;,='\"\\/[](){}")
    + ["\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\u00e9", "\u00df", "\u03a9", "\u65e5",
       "\u202e", "\u0301", "\ufeff", "\U0001f600", "\ud800", "\udfff"]
)  # fmt: skip
texts = st.text(alphabet=CHARACTERS, max_size=20)

numbers = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
)
odd_strings = st.one_of(st.sampled_from(ODD_STRINGS), texts)
hostile = st.one_of(
    numbers,
    odd_strings,
    st.booleans(),
    st.none(),
    st.lists(st.integers(-5, 5), max_size=2),
    st.dictionaries(texts, st.integers(), max_size=2),
)

lengths = st.one_of(
    st.integers(-200, 400),
    st.floats(-100, 500, allow_nan=False),
    st.sampled_from(["0%", "50%", "100%", "-10%", "12.5px", " 7 % ", "33.3125%", "1px"]),
)
sizes = st.one_of(
    st.integers(1, 400),
    st.sampled_from(["100%", "50%", "10%", "0.5%", "120%", "3px", "200px"]),
)
colors = st.sampled_from(["#fff", "#ff8800", "red", "#11223344", "transparent", "#000000"])
seconds = st.floats(0, 20, allow_nan=False)

COMMON = {
    "start": seconds,
    "duration": st.floats(0.01, 20),
    "track": st.integers(-3, 3),
    "hidden": st.booleans(),
    "locked": st.booleans(),
    "name": texts,
}
VISUAL = {
    "x": lengths,
    "y": lengths,
    "width": sizes,
    "height": sizes,
    "opacity": st.floats(0, 1),
    "fade_in": st.floats(0, 5),
    "fade_out": st.floats(0, 5),
}
FIT = {"fit": st.sampled_from(["contain", "cover", "fill", "auto"])}
SOUND = {"trim_start": st.floats(0, 30), "volume": st.floats(0, 4)}
TEXT = {
    "text": st.one_of(texts, st.sampled_from(["Spring sale", "a\nb c", " "])),
    "color": colors,
    "font_family": st.sampled_from(["DejaVu Sans", "/etc/passwd", "No Such Font", "-h", "/"]),
    "font_size": st.one_of(st.none(), st.floats(1, 300)),
    "font_weight": st.sampled_from(["normal", "bold"]),
    "font_style": st.sampled_from(["normal", "italic"]),
    "align": st.sampled_from(["left", "center", "right"]),
    "valign": st.sampled_from(["top", "middle", "bottom"]),
    "line_spacing": st.floats(0.5, 4),
    "background": st.one_of(st.none(), colors),
    "padding": st.floats(0, 60),
}
FIELDS = {
    "video": {**COMMON, **VISUAL, **FIT, **SOUND},
    "image": {**COMMON, **VISUAL, **FIT},
    "text": {**COMMON, **VISUAL, **TEXT},
    "audio": {**COMMON, **SOUND, "fade_in": st.floats(0, 5), "fade_out": st.floats(0, 5)},
}
SOURCES = {"video": "/m/clip.mp4", "image": "/m/logo.png", "audio": "/m/music.wav"}
OUTPUT = {
    "width": st.sampled_from([16, 64, 96, 320, 640]),
    "height": st.sampled_from([16, 48, 90, 180, 360]),
    "fps": st.sampled_from([1, 10, 24, 29.97, 30, 59.94, 120]),
    "format": st.sampled_from(["mp4", "webm", "mov", "gif"]),
    "quality": st.sampled_from(["draft", "standard", "high"]),
    "background": colors,
    "duration": st.one_of(st.none(), st.floats(0.05, 30)),
    "mov_codec": st.sampled_from(["prores", "h264"]),
}


# Percent of fields given a hostile value, per document: a third of the documents are
# plausible throughout (they load, so the graph and estimate get fuzzed too).
HOSTILITY = st.sampled_from([0, 0, 0, 1, 3, 10, 30])


def _hostile(draw: st.DrawFn, percent: int) -> bool:
    return percent > 0 and draw(st.integers(0, 99)) < percent


@st.composite
def fields(
    draw: st.DrawFn, known: dict[str, st.SearchStrategy[Any]], percent: int
) -> dict[str, Any]:
    """Each known field left out or given a plausible or (``percent`` %) a hostile value;
    now and then an unknown field."""
    data: dict[str, Any] = {}
    for name in draw(st.sets(st.sampled_from(sorted(known)))):
        data[name] = draw(hostile) if _hostile(draw, percent) else draw(known[name])
    if _hostile(draw, percent // 3):
        data[draw(st.sampled_from(["opactiy", "colour", "z", "sparkle"]))] = draw(hostile)
    return data


@st.composite
def elements(draw: st.DrawFn, index: int, percent: int, shared: bool) -> Any:
    if _hostile(draw, percent // 3):
        return draw(hostile)  # not an object at all
    kind = draw(st.sampled_from(["video", "image", "text", "audio", "audio", "video"]))
    element: dict[str, Any] = {"type": kind, "id": f"e{index}"}
    if _hostile(draw, percent):
        element["type"] = draw(st.one_of(hostile, st.just(None)))
        if element["type"] is None:
            del element["type"]
    if _hostile(draw, percent):
        element["id"] = draw(st.one_of(hostile, st.just("e0"), st.just(None)))  # e0: a duplicate
        if element["id"] is None:
            del element["id"]
    if kind in SOURCES:
        source = SOURCES[kind] if shared else SOURCES[kind].replace(".", f"-{index}.")
        element["source"] = draw(odd_strings) if _hostile(draw, percent) else source
        if _hostile(draw, percent // 2):
            del element["source"]
    element.update(draw(fields(FIELDS[kind], percent)))
    return element


facts_strategy = st.builds(
    Facts,
    width=st.one_of(st.integers(1, 64), st.sampled_from([1, 2, 1920, 16384])),
    height=st.one_of(st.integers(1, 64), st.sampled_from([1, 3, 1080, 16384])),
    duration=st.one_of(st.floats(0.04, 30), st.sampled_from([0.001, 3600.0, 30000.0])),
    fps=st.sampled_from([None, 1.0, 10.0, 23.976, 30.0, 240.0]),
    has_audio=st.booleans(),
    has_alpha=st.booleans(),
)


@st.composite
def documents(draw: st.DrawFn, shared_sources: bool | None = None) -> tuple[str, list[Facts]]:
    """A project file's text and probe facts for its elements (by position).

    ``shared_sources``: elements of a type use one file, as a designer who drops a clip
    twice does; else each has its own; None (the default) draws which.
    """
    if shared_sources is None:
        shared_sources = draw(st.booleans())
    percent = draw(HOSTILITY)
    if _hostile(draw, percent // 10):
        doc: Any = draw(hostile)  # not an object
    else:
        doc = {}
        if draw(st.booleans()):
            doc["schema_version"] = draw(hostile) if _hostile(draw, percent) else 1
        if draw(st.booleans()):
            doc["name"] = draw(hostile) if _hostile(draw, percent) else draw(texts)
        if draw(st.integers(0, 3)):
            doc["output"] = (
                draw(hostile) if _hostile(draw, percent // 3) else draw(fields(OUTPUT, percent))
            )
        count = draw(st.integers(0, 5))
        doc["elements"] = [draw(elements(n, percent, shared_sources)) for n in range(count)]
        if _hostile(draw, percent // 10):
            doc["elements"] = draw(hostile)
    text = json.dumps(doc, allow_nan=True, ensure_ascii=draw(st.booleans()))
    if _hostile(draw, percent // 5):
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    elif _hostile(draw, percent // 5):
        text = text + draw(st.sampled_from(["}", ",", "\x00", " // note", "\ufeff"]))
    facts = draw(st.lists(facts_strategy, min_size=1, max_size=5))
    return text, facts


MAX_LINE = 400  # characters: a refusal's line a designer can read


def _check_refusal(exc: VidgenError) -> None:
    message = str(exc)
    lines = message.splitlines()
    assert lines and all(line.strip() for line in lines), repr(message)
    assert "\n" not in _one_line(message)
    for line in lines:
        assert len(line) <= MAX_LINE, line
        # pydantic's own wording means a kind of error our table does not translate yet
        assert "should be" not in line and "Input should" not in line, line


def check(text: str, facts: list[Facts], folder: Path) -> str:
    """The property; "loaded" or "refused", or an exception for a crash."""
    try:
        comp = project.parse(text, base_dir=folder, origin="fuzz.json")
    except VidgenError as exc:  # CompositionError, ProjectFileError
        _check_refusal(exc)
        return "refused"
    saved = project.dumps(comp).encode("utf-8")  # as project.save writes it
    again = project.parse(saved.decode("utf-8"), origin="saved.json")
    assert again == comp, "a saved project must reload to itself"
    sources: dict[str, Facts] = {}  # one file, one probe: elements sharing it share facts
    by_id = {}
    for element in comp.elements:
        source = getattr(element, "source", None)
        if source is not None:
            by_id[element.id] = sources.setdefault(source, facts[len(sources) % len(facts)])
    try:
        render_plan = graph.plan(comp, by_id, text_folder=folder)
        est = estimate.estimate(render_plan, by_id)
        args = graph.arguments(engine.with_text_files(render_plan), str(folder / "out.mp4"))
    except VidgenError as exc:  # media too long, a font that is no font: refused in words
        _check_refusal(exc)
        return "refused"
    assert math.isfinite(est.seconds) and est.seconds >= 0, est
    assert args[-1].endswith("out.mp4")
    return "loaded"
