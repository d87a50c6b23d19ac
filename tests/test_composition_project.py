"""Project files: load, save, media paths, schema upgrades, hostile files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition, ImageElement, TextElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.errors import CompositionError, ProjectFileError

# Verbatim from issue 2, "The document": a public contract.
EXAMPLE = """
{
  "schema_version": 1,
  "name": "Spring promo",
  "output": {"width": 1920, "height": 1080, "fps": 30, "format": "mp4",
             "quality": "standard", "background": "#101010"},
  "elements": [
    {"id": "bg", "type": "video", "source": "media/background.mp4",
     "x": "0%", "y": "0%", "width": "100%", "height": "100%", "fit": "cover"},
    {"id": "logo", "type": "image", "source": "media/logo.png",
     "x": "85%", "y": "85%", "width": "10%", "height": "10%", "fit": "contain",
     "opacity": 0.8, "start": 0, "duration": 20},
    {"id": "title", "type": "text", "text": "Spring sale", "x": "5%", "y": "5%",
     "width": "50%", "height": "12%", "color": "#ffffff"},
    {"id": "music", "type": "audio", "source": "media/music.wav", "volume": 0.6}
  ]
}
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def failure(path: Path) -> str:
    with pytest.raises(ProjectFileError) as info:
        project.load(path)
    return str(info.value)


def test_the_example_from_the_issue_loads(tmp_path: Path) -> None:
    comp = project.load(write(tmp_path / "promo" / "spring.json", EXAMPLE))
    assert comp.name == "Spring promo"
    assert comp.output.background == "#101010"
    assert [e.id for e in comp.elements] == ["bg", "logo", "title", "music"]
    media = tmp_path.resolve() / "promo" / "media"
    assert comp.element("bg").source == str(media / "background.mp4")  # type: ignore[union-attr]
    logo = comp.element("logo")
    assert isinstance(logo, ImageElement)
    assert (logo.x, logo.width, logo.opacity, logo.duration) == (
        Length(85, "%"),
        Length(10, "%"),
        0.8,
        20,
    )
    title = comp.element("title")
    assert isinstance(title, TextElement) and title.text == "Spring sale"


def test_save_then_load_is_identical(tmp_path: Path) -> None:
    original = project.load(write(tmp_path / "spring.json", EXAMPLE))
    logo = original.element("logo")
    logo.x = Length(1 / 3, "%")  # a value that does not fit in 6 decimals
    logo.y = Length(-12.345678901, "px")
    project.save(original, tmp_path / "copy.json")
    assert project.load(tmp_path / "copy.json") == original
    project.save(original, tmp_path / "elsewhere" / "deeper" / "copy.json")
    assert project.load(tmp_path / "elsewhere" / "deeper" / "copy.json") == original


def test_media_paths_save_back_relative_inside_and_absolute_outside(tmp_path: Path) -> None:
    folder = tmp_path / "promo"
    outside = tmp_path / "shared" / "font-test.png"
    comp = project.load(write(folder / "spring.json", EXAMPLE))
    comp.element("logo").source = str(outside)  # type: ignore[union-attr]
    comp.elements.append(
        ImageElement(id="remote", source="s3://bucket/media/logo.png"),
    )
    comp.elements.append(ImageElement(id="web", source="https://example.com/a b.png"))
    project.save(comp, folder / "spring.json")
    saved = json.loads((folder / "spring.json").read_text(encoding="utf-8"))
    sources = {e["id"]: e.get("source") for e in saved["elements"]}
    assert sources == {
        "bg": "media/background.mp4",
        "logo": str(outside.resolve()),
        "title": None,
        "music": "media/music.wav",
        "remote": "s3://bucket/media/logo.png",
        "web": "https://example.com/a b.png",
    }


def test_urls_are_untouched_on_load(tmp_path: Path) -> None:
    data = {"elements": [{"id": "a", "type": "video", "source": "s3://bucket/a.mp4"}]}
    comp = project.load(write(tmp_path / "p.json", json.dumps(data)))
    assert comp.element("a").source == "s3://bucket/a.mp4"  # type: ignore[union-attr]


def test_relative_paths_with_dots_resolve(tmp_path: Path) -> None:
    data = {"elements": [{"id": "a", "type": "image", "source": "../shared/./a.png"}]}
    comp = project.load(write(tmp_path / "promo" / "p.json", json.dumps(data)))
    expected = tmp_path.resolve() / "shared" / "a.png"
    assert comp.element("a").source == str(expected)  # type: ignore[union-attr]


def test_parse_without_a_folder_keeps_paths_as_written() -> None:
    comp = project.parse(EXAMPLE)
    assert comp.element("bg").source == "media/background.mp4"  # type: ignore[union-attr]
    assert json.loads(project.dumps(comp))["elements"][0]["source"] == "media/background.mp4"


# Atomic save


def test_save_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", EXAMPLE)
    comp = project.load(path)
    comp.name = "Summer promo"
    project.save(comp, path)
    assert project.load(path).name == "Summer promo"
    assert os.listdir(tmp_path) == ["p.json"]


def test_a_new_file_is_not_private(tmp_path: Path) -> None:
    project.save(Composition(), tmp_path / "new.json")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == project.NEW_FILE_MODE


def test_a_kept_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    project.save(Composition(), path)
    path.chmod(0o640)
    project.save(Composition(name="again"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "p.json", EXAMPLE)
    before = path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project.os, "fsync", no_space)
    with pytest.raises(project.ProjectSaveError) as info:
        project.save(Composition(name="new"), path)
    assert str(info.value) == f"cannot save the project to {path}: No space left on device"
    assert isinstance(info.value, OSError)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.json"]


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "p.json", EXAMPLE)
    before = path.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(project.os, "replace", refuse)
    with pytest.raises(project.ProjectSaveError, match="Permission denied"):
        project.save(Composition(name="new"), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.json"]


def test_unserializable_data_keeps_the_old_file(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", EXAMPLE)
    before = path.read_bytes()
    comp = Composition()
    object.__setattr__(comp, "name", object())  # corrupt the model behind validation's back
    with pytest.raises(Exception):  # noqa: B017  (pydantic's or json's error, either is fine)
        project.save(comp, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.json"]


def test_saving_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "p.json").mkdir()
    with pytest.raises(project.ProjectSaveError, match="it is a folder"):
        project.save(Composition(), tmp_path / "p.json")
    assert os.listdir(tmp_path) == ["p.json"]


# Schema versions


def test_missing_schema_version_is_version_one(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE)
    del data["schema_version"]
    comp = project.load(write(tmp_path / "p.json", json.dumps(data)))
    # read as version 1 and upgraded: version 2 (motion) only adds fields with defaults
    assert comp.schema_version == 2
    assert all(getattr(e, "keyframes", {}) == {} for e in comp.elements)


def test_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE) | {"schema_version": 99}
    assert failure(write(tmp_path / "p.json", json.dumps(data))) == (
        "p.json: this project was saved by a newer Vidgen (schema version 99); "
        "this one reads versions up to 2. Update Vidgen to open it."
    )


@pytest.mark.parametrize("version", [0, -1, "1", True, None, 1.5])
def test_a_nonsense_version_is_refused(version: Any) -> None:
    with pytest.raises(ProjectFileError, match="schema_version must be a whole number"):
        project.upgrade({"schema_version": version})


def test_upgrade_steps_run_in_order() -> None:
    calls: list[int] = []

    def step(version: int):
        def run(data: dict[str, Any]) -> dict[str, Any]:
            calls.append(version)
            assert data["schema_version"] == version
            return data | {"trail": [*data.get("trail", []), version]}

        return run

    steps = {3: step(3), 1: step(1), 2: step(2)}
    original = {"schema_version": 1, "name": "old", "nested": {"a": 1}}
    upgraded = project.upgrade(original, upgrades=steps, current=4)
    assert calls == [1, 2, 3]
    assert upgraded == {"schema_version": 4, "name": "old", "nested": {"a": 1}, "trail": [1, 2, 3]}
    assert original == {"schema_version": 1, "name": "old", "nested": {"a": 1}}
    assert project.upgrade({"schema_version": 3.0}, upgrades=steps, current=4)["trail"] == [3]


def test_upgrade_steps_do_not_change_the_callers_data() -> None:
    def rename(data: dict[str, Any]) -> dict[str, Any]:
        data["nested"]["b"] = data["nested"].pop("a")
        return data

    original = {"schema_version": 1, "nested": {"a": 1}}
    assert project.upgrade(original, upgrades={1: rename}, current=2)["nested"] == {"b": 1}
    assert original == {"schema_version": 1, "nested": {"a": 1}}


def test_a_missing_upgrade_step_is_an_error() -> None:
    with pytest.raises(ProjectFileError, match="no upgrade from schema version 2"):
        project.upgrade({"schema_version": 1}, upgrades={1: lambda d: d}, current=3)


def test_current_data_is_returned_as_a_copy() -> None:
    data = {"schema_version": 2}
    assert project.upgrade(data) == data
    assert project.upgrade(data) is not data


# Hostile and broken files


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "name": "x",\n  "output": {"width": 1920,,}\n}\n'
    assert failure(write(tmp_path / "p.json", text)) == (
        "p.json is not valid JSON (line 3, column 28: Expecting property name enclosed in "
        "double quotes)"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    assert (
        failure(tmp_path / "nope.json") == f"project file {tmp_path / 'nope.json'} does not exist"
    )


def test_a_folder(tmp_path: Path) -> None:
    (tmp_path / "p.json").mkdir()
    assert failure(tmp_path / "p.json") == f"{tmp_path / 'p.json'} is a folder, not a project file"


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_file(tmp_path: Path, text: str) -> None:
    assert failure(write(tmp_path / "p.json", text)) == (
        "p.json is empty; a project file holds a JSON object"
    )


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", b'{"name": "Caf\xe9"}')
    assert failure(path) == "p.json is not a text (UTF-8 JSON) project file"


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", "\ufeff" + EXAMPLE)
    assert project.load(path).name == "Spring promo"


def test_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    with path.open("wb") as handle:
        handle.truncate(project.MAX_PROJECT_BYTES + 1)  # sparse: nothing is written
    assert failure(path) == "p.json is 21 MB; a project file is a few KB, so this is not one"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[1, 2]", "an array"), ('"x"', "a string"), ("3", "a number"), ("null", "null")],
)
def test_not_an_object(tmp_path: Path, text: str, kind: str) -> None:
    assert failure(write(tmp_path / "p.json", text)) == (
        f"p.json must hold a JSON object ({{...}}), but holds {kind}"
    )


def test_deeply_nested_json(tmp_path: Path) -> None:
    text = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert failure(write(tmp_path / "p.json", text)).startswith(
        "p.json is not a JSON file Vidgen can read"
    )


def test_a_gigantic_number(tmp_path: Path) -> None:
    text = '{"output": {"width": ' + "9" * 5000 + "}}"
    assert failure(write(tmp_path / "p.json", text)).startswith(
        "p.json is not a JSON file Vidgen can read"
    )


def test_nan_and_infinity_are_refused(tmp_path: Path) -> None:
    text = '{"output": {"fps": NaN, "duration": Infinity}}'
    assert failure(write(tmp_path / "p.json", text)) == (
        "p.json:\noutput: fps must be a finite number, got nan\n"
        "output: duration must be a finite number, got inf"
    )


def test_a_tampered_file_names_the_file_and_fields(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE)
    data["output"]["width"] = "wide"
    data["elements"][1]["opacity"] = "0.8x"
    data["elements"][2]["x"] = ["5%"]
    data["elements"][3]["volume"] = None
    message = failure(write(tmp_path / "spring.json", json.dumps(data)))
    assert message == (
        "spring.json:\n"
        "output: width must be a whole number, got 'wide'\n"
        "element 'logo': opacity must be a number, got '0.8x'\n"
        "element 'title': x must be a length like '10%' or '192px', got ['5%']\n"
        "element 'music': volume must be a number, got nothing (null)"
    )


def test_errors_are_composition_errors(tmp_path: Path) -> None:
    with pytest.raises(CompositionError):
        project.load(write(tmp_path / "p.json", "[]"))
