"""Templates: ``{{name}}`` filled from a row, one-line errors, the literal escape, size variants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidgen_desktop.composition import project, rows, variables
from vidgen_desktop.composition.model import SCHEMA_VERSION, Composition
from vidgen_desktop.errors import CompositionError

TEMPLATE = {
    "schema_version": 2,
    "output": {"width": 320, "height": 180},
    "variables": {
        "headline": {"type": "text", "default": "Spring sale"},
        "product": {"type": "image", "default": "media/photo.jpg"},
        "accent": {"type": "color", "default": "#ff3366"},
        "price": {"type": "number", "default": 19.99, "format": "{:.2f} €"},
    },
    "elements": [
        {"id": "title", "type": "text", "text": "{{headline}} — {{price}}", "color": "{{accent}}",
         "font_size": 20, "padding": 4},
        {"id": "photo", "type": "image", "source": "{{product}}"},
    ],
}  # fmt: skip


def template() -> Composition:
    return Composition.from_data(TEMPLATE)


def test_the_pinned_document_fills_with_its_defaults() -> None:
    comp = variables.concrete(template())
    title = comp.element("title")
    assert (title.text, title.color) == ("Spring sale — 19.99 €", "#ff3366")
    assert comp.element("photo").source == "media/photo.jpg"
    assert comp.variables == {}


def test_a_row_fills_every_field_and_filling_twice_changes_nothing() -> None:
    filled = variables.fill(
        template(), {"headline": "Summer", "price": "5", "accent": "blue", "product": "/x/a.png"}
    )
    assert filled.element("title").text == "Summer — 5.00 €"
    assert filled.element("title").color == "blue"
    assert filled.element("photo").source == "/x/a.png"
    assert variables.fill(filled, {"headline": "other"}) == filled  # no placeholder is left


def test_every_bad_value_of_a_row_is_one_line_naming_row_variable_and_element(
    tmp_path: Path,
) -> None:
    with pytest.raises(variables.VariableError) as info:
        variables.fill(
            template(), {"price": "cheap", "accent": "#12", "product": "nope.png"}, row=4,
            base_dir=str(tmp_path), exists=lambda p: Path(p).exists(),
        )  # fmt: skip
    assert info.value.lines == [
        f"row 4: variable 'product' (element 'photo'): file {tmp_path / 'nope.png'} does not exist",
        "row 4: variable 'accent' (element 'title'): '#12' is not a colour like '#ff3366'",
        "row 4: variable 'price' (element 'title'): 'cheap' is not a number",
    ]


def test_an_undeclared_variable_names_the_element_and_field() -> None:
    data = json.loads(json.dumps(TEMPLATE))
    data["elements"][0]["text"] = "{{headlin}}"
    with pytest.raises(CompositionError) as info:
        variables.fill(Composition.from_data(data), {}, row=2)
    assert str(info.value) == (
        "row 2: variable 'headlin' (element 'title', text): "
        "is not declared (add it under variables)"
    )


def test_four_braces_are_a_literal_pair_and_a_value_is_never_read_as_a_variable() -> None:
    data = json.loads(json.dumps(TEMPLATE))
    data["elements"][0]["text"] = "{{{{headline}} is {{headline}}"
    comp = Composition.from_data(data)
    assert variables.concrete(comp).element("title").text == "{{headline}} is Spring sale"
    filled = variables.fill(comp, {"headline": "{{price}}"})
    assert variables.concrete(filled).element("title").text == "{{headline}} is {{price}}"
    data["elements"][0]["text"] = "a lone {{ brace"
    with pytest.raises(CompositionError, match=r"element 'title': text has '\{\{' that is not a"):
        variables.concrete(Composition.from_data(data))


def test_a_colour_field_filled_into_no_colour_is_refused() -> None:
    data = json.loads(json.dumps(TEMPLATE))
    data["elements"][0]["color"] = "#{{headline}}"
    with pytest.raises(CompositionError, match="row 1: element 'title': color must be a color"):
        variables.fill(Composition.from_data(data), {}, row=1)


def test_declarations_are_checked_when_the_document_loads() -> None:
    data = json.loads(json.dumps(TEMPLATE))
    data["variables"]["price"]["default"] = "cheap"
    data["variables"]["accent"]["format"] = "{:.1f}"
    data["variables"]["bad name"] = {"type": "text"}
    message = str(pytest.raises(CompositionError, Composition.from_data, data).value)
    assert "default of a number variable must be a number, got 'cheap'" in message
    assert "format is only for variables of type 'number'" in message
    assert "bad name" in message


def test_version_one_files_load_and_their_braces_stay_literal(tmp_path: Path) -> None:
    old = {"schema_version": 1, "elements": [
        {"id": "t", "type": "text", "text": "use {{name}} here"},
        {"id": "i", "type": "image", "source": "media/a{{b}}.png"}]}  # fmt: skip
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    comp = project.load(path)
    assert comp.schema_version == SCHEMA_VERSION == 2
    drawn = variables.concrete(comp)
    assert drawn.element("t").text == "use {{name}} here"
    assert drawn.element("i").source == str(tmp_path / "media" / "a{{b}}.png")


def test_a_version_one_file_of_any_shape_is_refused_in_words_not_crashed(tmp_path: Path) -> None:
    for text in ('{"elements": [{"type": [], "id": 0, "source": ""}]}',
                 '{"elements": {"a": 1}}', '{"output": [], "elements": [3]}'):  # fmt: skip
        with pytest.raises(CompositionError):
            project.parse(text)


def test_media_defaults_and_sources_keep_their_project_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(TEMPLATE))
    comp = project.load(path)
    assert comp.variables["product"].default == str(tmp_path / "media" / "photo.jpg")
    assert comp.element("photo").source == "{{product}}"
    project.save(comp, path)
    assert json.loads(path.read_text())["variables"]["product"]["default"] == "media/photo.jpg"


def test_a_size_variant_keeps_percent_layout_and_refits_text() -> None:
    tall = variables.variant(template(), 180, 320)
    assert (tall.output.width, tall.output.height) == (180, 320)
    title = tall.element("title")
    assert (str(title.width), title.font_size, title.padding) == ("100%", 11.25, 2.25)


def test_rows_come_from_csv_or_json_with_their_numbers(tmp_path: Path) -> None:
    csv_file = tmp_path / "r.csv"
    csv_file.write_text("\ufeffheadline,price\nA,1\n,2\n", encoding="utf-8")
    assert rows.load(csv_file).rows == [
        {"headline": "A", "price": "1"},
        {"headline": "", "price": "2"},
    ]
    json_file = tmp_path / "r.json"
    json_file.write_text(json.dumps([{"headline": "A", "price": 3}]))
    assert rows.load(json_file).rows == [{"headline": "A", "price": 3}]
    json_file.write_text(json.dumps([{"headline": "A"}, 7]))
    with pytest.raises(CompositionError, match=r"r.json: row 2 must be an object"):
        rows.load(json_file)
