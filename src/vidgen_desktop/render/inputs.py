"""The FFmpeg inputs of a render, and how elements reading the same file share them.

A file used once is one input, decoded once (its picture and sound from the
same ``-i``). Uses of a file that read the same source time at the same
composition time (the same clip as background and picture-in-picture, the
same logo twice) share one decode through ``split``/``asplit``; uses shifted
in time (another trim or start) get an input of their own, because a split
would have to queue every frame between the two uses in memory.

Stills are opened with the demuxer the probe found in their content, not the
one their extension suggests: a PNG named .jpg is read as a PNG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ffmpeg

from vidgen_desktop.composition.model import AudioElement, VideoElement
from vidgen_desktop.composition.project import is_url
from vidgen_desktop.media import ffmpeg as ffmpeg_bin

if TYPE_CHECKING:
    from vidgen_desktop.render.graph import AudioPlan, RenderPlan, SourceFacts, VisualPlan

DecodeKey = tuple[str, float, float]  # (source, trim_start, start): one decode serves these


def ffmpeg_path(source: str) -> str:
    """A source or output as FFmpeg must see it: URLs as they are, files as ``file:`` names."""
    return source if is_url(source) else ffmpeg_bin.file_url(source)


def number(value: float) -> str:
    """A number as an FFmpeg argument: at most six decimals, no trailing zeros."""
    text_value = f"{value:.6f}".rstrip("0").rstrip(".")
    return text_value or "0"


def _decode_key(element: Any, source: str, start: float, seek: float | None) -> DecodeKey:
    if isinstance(element, VideoElement | AudioElement):
        return (source, element.trim_start if seek is None else seek, start)
    return (source, 0.0, 0.0)  # a still is one frame: any number of uses share it


def input_options(
    element: Any, facts: SourceFacts | None, seek: float | None = None
) -> dict[str, Any]:
    """The options of the input that reads ``element``'s source (trim seek, demuxer).

    ``seek``: where a chunk opens it instead of ``trim_start`` (``render.chunks``).
    """
    if isinstance(element, VideoElement | AudioElement):
        at = element.trim_start if seek is None else seek
        return {"ss": number(at)} if at > 0 else {}
    demuxer = facts.container if facts is not None else None
    if demuxer and demuxer != "image2":
        # the demuxer the probe found from the content (image2 would pick the
        # decoder from the extension)
        return {"f": demuxer.split(",")[0]}
    return {"f": "image2", "pattern_type": "none"}  # '%' in a name is not a sequence


class Inputs:
    """One FFmpeg input per decode key, split between the elements that read it.

    ffmpeg-python merges identical inputs into one node; here each key gets its
    own ``-i`` (distinct nodes with the same arguments), and a stream several
    elements read is split explicitly, which FFmpeg requires.
    """

    def __init__(self, render_plan: RenderPlan) -> None:
        self._uses: dict[tuple[DecodeKey, str], int] = {}
        self._options: dict[DecodeKey, dict[str, Any]] = {}
        for vp in render_plan.visuals:
            self._count(self._key(vp), "video", input_options(vp.element, vp.facts, vp.seek))
        for ap in render_plan.audio:
            self._count(self._key(ap), "audio", input_options(ap.element, None))
        self._nodes: dict[DecodeKey, Any] = {}
        self._copies: dict[tuple[DecodeKey, str], list[Any]] = {}

    @staticmethod
    def _key(use: VisualPlan | AudioPlan) -> DecodeKey:
        # a visual's source is the file FFmpeg reads (a text's raster); a sound's, its file
        source = use.source if hasattr(use, "source") else use.element.source
        return _decode_key(use.element, source, use.window.start, getattr(use, "seek", None))

    def _count(self, key: DecodeKey, kind: str, options: dict[str, Any]) -> None:
        self._uses[(key, kind)] = self._uses.get((key, kind), 0) + 1
        self._options.setdefault(key, options)

    def video(self, vp: VisualPlan) -> Any:
        """This element's own copy of its source's picture."""
        return self._stream(self._key(vp), "video")

    def audio(self, ap: AudioPlan) -> Any:
        """This element's own copy of its source's sound."""
        return self._stream(self._key(ap), "audio")

    def _node(self, key: DecodeKey) -> Any:
        if key not in self._nodes:
            node = ffmpeg.input(ffmpeg_path(key[0]), **self._options[key]).node
            if any(k[0] == key[0] for k in self._nodes):  # the same file again: its own -i
                # (an input node's args are not printed; they only make the node distinct)
                node = ffmpeg.nodes.InputNode(
                    node.name, args=[len(self._nodes)], kwargs=node.kwargs
                )
            self._nodes[key] = node
        return self._nodes[key]

    def _stream(self, key: DecodeKey, kind: str) -> Any:
        uses = self._uses[(key, kind)]
        stream = self._node(key).stream()
        stream = stream.video if kind == "video" else stream.audio
        if uses == 1:
            return stream
        copies = self._copies.get((key, kind))
        if copies is None:
            split = stream.filter_multi_output("split" if kind == "video" else "asplit")
            copies = self._copies[(key, kind)] = [split.stream(n) for n in range(uses)]
        return copies.pop(0)
