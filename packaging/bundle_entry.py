"""The desktop bundle's program: ``vidgen`` frozen by PyInstaller (packaging/build_bundle.py).

Inside the bundle ``sys.executable`` is this program, so a part of Vidgen that
starts ``sys.executable -m vidgen_desktop ARGS`` (the start page makes the
examples that way) reaches here with ``-m vidgen_desktop`` first: dropped, the
rest runs as ``vidgen ARGS``.
"""

import sys

from vidgen_desktop.cli import main

if __name__ == "__main__":
    if sys.argv[1:3] == ["-m", "vidgen_desktop"]:
        del sys.argv[1:3]
    sys.exit(main(sys.argv[1:]))
