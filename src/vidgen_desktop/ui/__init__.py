"""All Qt code of the editor (see ARCHITECTURE.md)."""

from vidgen_desktop.ui.shell import blas_threads, feature_scan, memory, pyside_fix

memory.limit_arenas()  # first, before Qt or the workers start threads: fewer glibc heaps
pyside_fix.apply()  # before any signal is emitted: PySide6 6.12.0 leaks references to True
feature_scan.skip()  # before the editor's ~350 imports: each would have its source read
blas_threads.limit()  # before the preview imports numpy: a thread per core costs its start
