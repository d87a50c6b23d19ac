"""The render hub's opening on a job log that is up to date loads no migration machinery.

Each module imported while the hub opens waits for the GIL when the editor's
preview, probe and thumbnail threads are busy; Alembic and what it pulls in
(Mako, Pygments, MarkupSafe) made the job log seconds late for no work at all
(issue 9, item 16; figures in ``benchmarks/editor_start.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vidgen_desktop.store import migrate, open_local

CHILD = """
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
import vidgen_desktop.ui.shell.main_window
from vidgen_desktop.ui.jobs.render_hub import RenderHub
hub = RenderHub(start_queue=False)
service = hub._open()
print(hub.db.revision(), service.store.jobs.count())
loaded = {m.split('.')[0] for m in sys.modules}
print(sorted(loaded & {'alembic', 'mako', 'pygments', 'markupsafe'}))
hub.db.close()
"""


def test_the_hub_opens_an_up_to_date_log_without_alembic(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_local(home / "data" / "jobs.sqlite3"):
        pass  # the first run made and migrated the log
    env = {**os.environ, "VIDGEN_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{migrate.HEAD} 0"
    assert lines[1] == "[]"
