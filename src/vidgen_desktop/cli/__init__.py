"""The ``vidgen`` command.

Each sub-command is a small function taking the parsed arguments and
returning an exit status. Errors of our own types become one clear message
on stderr and a non-zero status; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vidgen_desktop import files
from vidgen_desktop.cli import pydantic_plugins, registry
from vidgen_desktop.cli.args import MAX_AT, number, whole_number
from vidgen_desktop.errors import RenderCancelled, VidgenError

Handler = Callable[[argparse.Namespace], int]


class ProgressBar:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, stream=None, label: str = "Rendering") -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label
        self._last = 0.0

    def __call__(self, progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not progress.done and now - self._last < 0.1:
            return
        self._last = now
        width = max(10, min(40, shutil.get_terminal_size().columns - 40))
        filled = int(width * progress.fraction)
        speed = f" {progress.speed:.2f}x" if progress.speed else ""
        eta = f" ETA {int(progress.eta) // 60}:{int(progress.eta) % 60:02d}" if progress.eta else ""
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{progress.fraction * 100:5.1f}%{speed}{eta}   "
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _load(path: str):
    from vidgen_desktop.composition import project

    return project.load(path)


def cmd_render(args: argparse.Namespace) -> int:
    from vidgen_desktop.cli.loading import uncollected

    with uncollected(whole_process=getattr(args, "whole_process", False)):
        from vidgen_desktop.render import engine, formats

        comp = _load(args.project)
    updates = {}
    if args.format:
        updates["format"] = args.format
    if args.quality:
        updates["quality"] = args.quality
    if updates:
        comp.output = comp.output.model_copy(update=updates)
    if args.output:
        target = Path(args.output)
        if target.is_dir():
            target = engine.default_output_path(comp, args.project, target)
        elif not args.format and target.suffix.lower().lstrip(".") in formats.EXTENSIONS:
            comp.output = comp.output.model_copy(update={"format": target.suffix.lower()[1:]})
    else:
        from vidgen_desktop import config  # the settings: only for their output folder

        target = engine.default_output_path(comp, args.project, config.load().output_dir())
    bar = ProgressBar()
    try:
        result = _render(comp, target, args, bar)
    finally:
        bar.finish()
    print(result)
    return 0


def _render(comp, target: Path, args: argparse.Namespace, bar: ProgressBar) -> Path:
    """One FFmpeg run, or with ``--jobs N`` (N > 1) chunks in N FFmpeg processes."""
    from vidgen_desktop.render import engine

    plan = engine.prepare(comp)
    jobs = args.jobs or 1
    if jobs <= 1:
        return engine.render_process(plan, target, on_progress=bar).run()
    from vidgen_desktop.render import chunk_run, chunks  # only for --jobs N

    if why := chunks.unjoinable(plan):
        print(f"vidgen: rendering in one piece: {why}", file=sys.stderr)
    if len(chunks.split(plan, jobs)) <= 1:
        return engine.render_process(plan, target, on_progress=bar).run()
    return chunk_run.ChunkedRender(plan, target, jobs=jobs, on_progress=bar).run()


def cmd_probe(args: argparse.Namespace) -> int:
    import dataclasses

    from vidgen_desktop.media.probe import probe

    info = probe(args.file)
    data = dataclasses.asdict(info)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            print(f"{key:<{width}}  {value}")
    for warning in info.warnings:  # usable, but the designer should know (a damaged file)
        print(f"vidgen: warning: {warning}", file=sys.stderr)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from PIL import Image

    from vidgen_desktop.render import engine, preview

    comp = _load(args.project)
    if args.rows:  # a template's row, as `vidgen batch` fills it in
        comp = _row_of(comp, args.rows, args.row)
    plan = engine.prepare(comp)
    if not 0 <= args.at <= plan.duration:
        raise VidgenError(
            f"--at must be between 0 and {plan.duration:g} s (the composition's length)"
        )
    frame = preview.preview_frame(plan, args.at, args.scale)
    with files.atomic_path(Path(args.output)) as partial:  # keeps the suffix PIL reads
        Image.fromarray(frame, "RGBA").save(partial)
    print(args.output)
    return 0


def _row_of(comp, rows_file: str, number: int):
    import os

    from vidgen_desktop.composition import rows, variables

    found = rows.load(rows_file)
    if not 1 <= number <= len(found.rows):
        raise VidgenError(f"--row must be from 1 to {len(found.rows)} ({rows_file}'s rows)")
    values = found.rows[number - 1]
    return variables.fill(comp, values, row=number, base_dir=found.folder, exists=os.path.exists)


def cmd_schema(args: argparse.Namespace) -> int:
    from vidgen_desktop.composition.model import Composition

    print(json.dumps(Composition.model_json_schema(), indent=2))
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    from vidgen_desktop.media.examples import make_examples  # shared with the editor

    for path in make_examples(Path(args.folder)):
        print(path)
    return 0


def no_display() -> str | None:
    """Why the editor cannot open a window here (Linux with no X11/Wayland display), or None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None  # macOS and Windows always have one; QT_QPA_PLATFORM is a deliberate choice
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the editor on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "render headlessly with: vidgen render PROJECT (try: vidgen samples demo && "
        "vidgen render demo/spring_promo.json)"
    )


def cmd_gui(args: argparse.Namespace) -> int:
    problem = None if getattr(args, "screenshot", None) else no_display()  # shots: offscreen
    if problem:
        raise VidgenError(problem)
    try:
        from vidgen_desktop.ui.shell import app  # Qt is imported only when the editor opens
    except ImportError as exc:
        raise VidgenError(
            f"the editor needs PySide6 and qasync ({exc.name} is missing): "
            "pip install PySide6-Essentials qasync"
        ) from exc
    return app.run(getattr(args, "project", None), getattr(args, "screenshot", None))


def cmd_settings(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from vidgen_desktop import config
    from vidgen_desktop.composition.model import describe_errors

    if args.key and args.key not in config.Settings.model_fields:
        known = ", ".join(config.Settings.model_fields)
        raise VidgenError(f"unknown setting {args.key!r}; the settings are: {known}")
    if args.key and args.value is None:  # show one setting
        print(json.dumps(config.load().model_dump(mode="json")[args.key], indent=2))
        return 0
    if args.key:
        if args.value == "default":
            value = config.Settings.model_fields[args.key].get_default(call_default_factory=True)
        elif args.value[:1] in "{[":
            try:
                value = json.loads(args.value)
            except json.JSONDecodeError as exc:
                raise VidgenError(f"{args.key}: the value is not valid JSON ({exc.msg})") from exc
        else:
            value = args.value
        try:
            config.update(**{args.key: value})
        except ValidationError as exc:
            raise VidgenError(f"setting not changed: {describe_errors(exc)}") from exc
    settings = config.load()
    print(f"# {config.settings_path()} (environment variables {', '.join(config.ENV)} override)")
    print(json.dumps(settings.model_dump(mode="json"), indent=2))
    return 0


class VersionAction(argparse.Action):
    """``vidgen --version``: Vidgen's version, then the FFmpeg build it renders with."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):  # fmt: skip
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from vidgen_desktop.media import build_info

        print(build_info.version_text())
        parser.exit()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``vidgen`` parser, every command in it.

    With ``argv``, only the module of the command it runs is imported (see
    ``cli.registry``); without, every command is complete.
    """
    parser = argparse.ArgumentParser(
        prog="vidgen", description="Vidgen Desktop: compose short videos and render them."
    )
    parser.add_argument("--version", action=VersionAction, help="Vidgen's version and its FFmpeg")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_own_commands(sub)
    registry.add_commands(sub, argv)
    return parser


def _add_own_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a project to a video file")
    p.add_argument("project")
    p.add_argument("-o", "--output", help="output file or folder")
    p.add_argument("--format", choices=["mp4", "webm", "mov", "gif"])
    p.add_argument("--quality", choices=["draft", "standard", "high"])
    p.add_argument(
        "--jobs", type=int, choices=range(1, 65), metavar="N",
        help="cut the render into N chunks rendered by N FFmpeg processes at once, "
        "joined without re-encoding (GIF renders in one piece)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_render)

    p = sub.add_parser("probe", help="show what Vidgen knows about a media file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_probe)

    p = sub.add_parser("preview", help="save the composited frame at a time as PNG")
    p.add_argument("project")
    p.add_argument("--at", type=number(0, MAX_AT, unit="s"), required=True, metavar="SECONDS")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--scale", type=number(0, 4, above=True), default=1.0)
    p.add_argument("--rows", metavar="FILE", help="a template's rows (CSV or JSON), with --row")
    p.add_argument("--row", type=whole_number(1, 10**6), default=1, help="which row (from 1)")
    p.set_defaults(handler=cmd_preview)

    p = sub.add_parser("schema", help="print the project file's JSON Schema")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("samples", help="make sample media and example projects in a folder")
    p.add_argument("folder")
    p.set_defaults(handler=cmd_samples)

    p = sub.add_parser("gui", help="open the editor (the default with no command)")
    p.add_argument("project", nargs="?", help="a project file to open")
    p.add_argument("--screenshot", metavar="PNG", help="save a picture of the window and exit")
    p.set_defaults(handler=cmd_gui)

    p = sub.add_parser("settings", help="show settings, or change one: settings KEY VALUE")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?", help="a value, a JSON object, or 'default'")
    p.set_defaults(handler=cmd_settings)


def _one_line(message: str) -> str:
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


# What a shell reports for a program killed by SIGPIPE (128 + 13), as `yes | head` reports
# for yes under `set -o pipefail`. Python ignores SIGPIPE, so a write to a closed pipe is a
# BrokenPipeError instead; main() turns that into this status, quietly, as Unix tools do.
SIGPIPE_STATUS = 141


def _pipe_closed(stream) -> bool:
    """Whether ``stream`` is a pipe whose reader has gone (``vidgen jobs list | head``)."""
    try:
        fd = stream.fileno()
        poller = select.poll()
    except (AttributeError, OSError, ValueError):
        return not hasattr(select, "poll")  # no poll (Windows): the pipe was the likely cause
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def silence(stream) -> None:
    """Point ``stream``'s file descriptor at /dev/null, so flushing at exit cannot fail again."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at exit
        return status
    except BrokenPipeError:
        closed = [stream for stream in (sys.stdout, sys.stderr) if _pipe_closed(stream)]
        if not closed:
            raise  # a pipe of our own (FFmpeg, a socket) broke: that is a bug to report
        for stream in closed:
            silence(stream)
        return SIGPIPE_STATUS


def _run(argv: list[str] | None) -> int:
    if argv is None:  # the command line's own process
        pydantic_plugins.none_loaded()
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words)
    args = parser.parse_args(words)
    args.whole_process = argv is None  # the command line's own process, not a caller's
    if not getattr(args, "handler", None):
        args.handler = cmd_gui  # plain `vidgen` opens the editor
    try:
        return args.handler(args)
    except RenderCancelled:
        print("vidgen: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nvidgen: interrupted", file=sys.stderr)
        return 130
    except VidgenError as exc:
        text = str(exc) if sys.stderr.isatty() else _one_line(str(exc))
        print(f"vidgen: {text}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
