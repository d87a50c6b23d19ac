"""New, open, save, save as, import, recent files, and the unsaved-changes prompt.

The dialogs are attributes (``ask_open_path``, ``ask_save_path``,
``ask_import_paths``, ``ask_save_changes``, ``ask_recover``,
``ask_remove_recent``) so tests and scripts can answer them without a modal loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from vidgen_desktop.composition import project
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.ui.editor.importer import MEDIA_FILTER
from vidgen_desktop.ui.shell import recovery

if TYPE_CHECKING:
    from vidgen_desktop.ui.shell.main_window import MainWindow

RECENT_MAX = 10
PROJECT_FILTER = "Vidgen projects (*.json);;All files (*)"
Button = QMessageBox.StandardButton


class ProjectFiles(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.doc = window.doc
        self.ask_open_path: Callable[[], str | None] = self._ask_open_path
        self.ask_save_path: Callable[[], str | None] = self._ask_save_path
        self.ask_import_paths: Callable[[], list[str]] = self._ask_import_paths
        self.ask_save_changes: Callable[[], Button] = self._ask_save_changes
        self.ask_recover: Callable[[str], bool] = self._ask_recover
        self.ask_remove_recent: Callable[[Path], bool] = self._ask_remove_recent

    # -- dialogs (replaceable) -----------------------------------------------------------------

    def _folder(self) -> str:
        return str(self.doc.path.parent) if self.doc.path else ""

    def _ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open project", self._folder(), PROJECT_FILTER
        )
        return path or None

    def _ask_save_path(self) -> str | None:
        suggested = str(self.doc.path or Path(self._folder()) / f"{self.doc.comp.name}.json")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save project", suggested, PROJECT_FILTER
        )
        if path and not Path(path).suffix:
            path += ".json"
        return path or None

    def _ask_import_paths(self) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Import media", self._folder(), MEDIA_FILTER
        )
        return paths

    def _ask_save_changes(self) -> Button:
        name = self.doc.path.name if self.doc.path else "Untitled"
        return QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to {name} before closing it?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )

    def _ask_recover(self, question: str) -> bool:
        answer = QMessageBox.question(self.window, "Recover unsaved work?", question)
        return answer == Button.Yes

    def _ask_remove_recent(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self.window,
            "Project not found",
            f"{path.name} no longer exists (it was in {path.parent}).\nRemove it from Open Recent?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        return answer == Button.Yes

    # -- commands ------------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """True if it is fine to drop the current document (saved, discarded, or clean)."""
        if not self.doc.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def new(self, comp: Composition | None = None) -> None:
        """Start an empty composition (``comp``: one of a chosen size, from the start page)."""
        if self.maybe_save():
            self.doc.set_composition(comp or Composition())
            recovery.discard()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path = self.ask_open_path()
        if path:
            self.open_path(Path(path), ask=False)

    def open_path(self, path: Path, *, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        try:
            comp = project.load(path)
        except VidgenError as exc:
            self.window.messages.show_error(str(exc))
            return False
        self.doc.set_composition(comp, Path(path).resolve())
        self._add_recent(Path(path))
        recovery.discard()
        return True

    def open_recent(self, path: Path) -> bool:
        """Open a recent project; one that is gone is offered for removal from the list."""
        if not path.exists():
            if self.ask_remove_recent(path):
                self.remove_recent(path)
                self.window.statusBar().showMessage(f"Removed {path.name} from Open Recent", 4000)
            return False
        return self.open_path(path)

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return self.save_to(Path(path)) if path else False

    def save_to(self, path: Path) -> bool:
        try:
            project.save(self.doc.comp, path)
        except (VidgenError, OSError) as exc:
            self.window.messages.show_error(str(exc))
            return False
        self.doc.mark_saved(Path(path).resolve())
        self._add_recent(Path(path))
        recovery.discard()
        self.window.statusBar().showMessage(f"Saved {Path(path).name}", 3000)
        return True

    def import_dialog(self) -> None:
        paths = self.ask_import_paths()
        if paths:
            self.window.importer.import_files(paths)

    def offer_recovery(self) -> bool:
        """At start: offer the newest copy a crashed session left (saying when); True if taken."""
        found = recovery.orphans()
        if not found:
            return False
        if self.ask_recover(recovery.prompt(found[0])):
            self.recover(found[0])
            return True
        for item in found:
            recovery.discard(item.file)
        return False

    def recover(self, found: recovery.Recovered) -> None:
        """Open what a crashed session autosaved; it stays unsaved until the designer saves."""
        self.doc.set_composition(found.comp, found.origin)
        self.doc.undo_stack.resetClean()
        recovery.discard(found.file)
        self.window.statusBar().showMessage("Recovered the autosaved project", 5000)

    # -- recent files --------------------------------------------------------------------------

    def recent(self) -> list[Path]:
        value = self.window.settings.value("recent", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [Path(p) for p in items if p]

    def remove_recent(self, path: Path) -> None:
        items = [str(p) for p in self.recent() if p != path]
        self.window.settings.setValue("recent", items)
        self.window.settings.sync()

    def _add_recent(self, path: Path) -> None:
        text = str(path.resolve())
        items = [text, *(str(p) for p in self.recent() if str(p) != text)][:RECENT_MAX]
        self.window.settings.setValue("recent", items)
        self.window.settings.sync()
