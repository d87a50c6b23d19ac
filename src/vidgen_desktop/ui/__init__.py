"""All Qt code of the editor (see ARCHITECTURE.md)."""

from vidgen_desktop.ui.shell import memory, pyside_fix

memory.limit_arenas()  # first, before Qt or the workers start threads: fewer glibc heaps

pyside_fix.apply()  # before any signal is emitted: PySide6 6.12.0 leaks references to True
