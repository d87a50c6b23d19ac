"""Make preview proxies for the document's videos in the background (Kdenlive's habit).

Whenever media are read (import, open, recover), each video the document
uses gets its proxy made by ``media.proxy.make_proxy`` in a worker, one at a
time; the preview (``render.preview.Previewer``) picks a proxy up by itself
as soon as it exists, and the canvas is asked to redraw then. Renders always
read the originals.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.ui.editor.document import Document
from vidgen_desktop.ui.shell.background import Background

log = logging.getLogger(__name__)


class ProxyMaker(QObject):
    made = Signal(str)  # the source whose proxy is ready

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.background = Background(workers=1, name="vidgen-proxy", parent=self)
        self._asked: set[str] = set()  # sources done or on their way
        doc.media_changed.connect(self.update)
        doc.changed.connect(self.update)
        doc.reset.connect(self.update)

    @property
    def busy(self) -> bool:
        return self.background.busy

    def update(self) -> None:
        """Start a proxy for every probed video of the document that has none yet."""
        from vidgen_desktop.media import proxy  # light: it loads OpenCV only to read frames

        for element in self.doc.comp.elements:
            source = getattr(element, "source", None)
            info = self.doc.media.get(source) if source else None
            if info is None or source in self._asked or not proxy.wants_proxy(info):
                continue
            self._asked.add(source)
            self.background.run(proxy.make_proxy, self._done_callback(source), source)

    def _done_callback(self, source: str):
        def done(made, error: BaseException | None) -> None:
            if error is not None:  # the original still previews, only slower
                log.warning("no preview proxy for %s: %s", source, error)
            elif made is not None:
                self.made.emit(source)

        return done

    def shutdown(self) -> None:
        self.background.shutdown()
