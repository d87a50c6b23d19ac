"""The bundled example projects with their sample media, made on this machine (no download).

``make_examples(folder)`` writes the sample media (``samples.make_samples``:
FFmpeg's own generators) and copies the example projects beside them;
``vidgen samples DIR`` and the editor's first start both use it. Every file
appears whole or not at all, and what is already there is kept, so a second
call costs a few ``stat`` calls.
"""

from __future__ import annotations

import os
from pathlib import Path

from vidgen_desktop import paths
from vidgen_desktop.media.samples import SAMPLES, make_samples

MAIN_EXAMPLE = "spring_promo.json"  # the one the editor opens on its first start


def example_folder() -> Path:
    """Where the editor keeps its copy of the examples (the user data folder)."""
    return paths.data_dir() / "examples"


def bundled() -> list[Path]:
    return sorted((paths.resources_dir() / "examples").glob("*.json"))


def is_made(folder: Path | None = None) -> bool:
    """True when the examples and their media are all there (nothing to make)."""
    folder = folder or example_folder()
    media = [p for p in (folder / "media").glob("*") if p.stem in SAMPLES and p.stat().st_size]
    projects = all((folder / source.name).is_file() for source in bundled())
    return projects and len({p.stem for p in media}) == len(SAMPLES)


def make_examples(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """Make the sample media and copy the example projects into ``folder``; return every file."""
    target = Path(folder) if folder is not None else example_folder()
    target.mkdir(parents=True, exist_ok=True)
    made = make_samples(target)
    copies = []
    for source in bundled():
        copy = target / source.name
        if not copy.is_file():
            partial = copy.with_name(f".{copy.name}.{os.getpid()}.partial")
            partial.write_bytes(source.read_bytes())
            os.replace(partial, copy)
        copies.append(copy)
    return [*copies, *made.values()]


def main_example(folder: Path | None = None) -> Path:
    """The example the editor opens, made first if needed (FFmpeg: seconds, the first time)."""
    folder = folder or example_folder()
    make_examples(folder)
    return folder / MAIN_EXAMPLE
