"""All Qt code of the editor (see ARCHITECTURE.md)."""

from vidgen_desktop.ui.shell import pyside_fix

pyside_fix.apply()  # before any signal is emitted: PySide6 6.12.0 leaks references to True
