"""All Qt code of the editor (see ARCHITECTURE.md)."""

from vidgen_desktop.ui.shell import feature_scan, pyside_fix

pyside_fix.apply()  # before any signal is emitted: PySide6 6.12.0 leaks references to True
feature_scan.skip()  # before the editor's ~350 imports: each would have its source read
