"""``vidgen worker``: a render farm worker on the team database and storage."""

from __future__ import annotations

import argparse
import logging
import sys

from vidgen_desktop.cli.args import MAX_CONCURRENCY, number, whole_number


def cmd_worker(args: argparse.Namespace) -> int:
    from vidgen_desktop.worker import main
    from vidgen_desktop.worker.options import FarmOptions

    options = FarmOptions.load(
        concurrency=args.concurrency,
        metrics_port=args.metrics_port,
        name=args.name,
        retention=args.retention or None,
    )
    if args.health:
        ok, reason = main.health(options, max_age=args.max_age)
        print(
            f"vidgen worker: {'healthy' if ok else 'unhealthy'}: {reason}",
            file=sys.stdout if ok else sys.stderr,
        )
        return 0 if ok else 1
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return main.run(options)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vidgen worker`` to the ``vidgen`` parser."""
    p = sub.add_parser("worker", help="render farm jobs from the team queue (until stopped)")
    p.add_argument(
        "--concurrency", type=whole_number(1, MAX_CONCURRENCY), metavar="N", help="renders at once"
    )
    p.add_argument(
        "--metrics-port",
        type=whole_number(1, 65535),
        metavar="PORT",
        help="serve Prometheus metrics on this port",
    )
    p.add_argument("--name", help="this worker's name in logs and job timelines")
    p.add_argument(
        "--retention", action="store_true",
        help="be the one worker that applies the retention settings to the team database "
        "(on start and daily)",
    )  # fmt: skip
    p.add_argument(
        "--health",
        action="store_true",
        help="exit 0 if this host's worker heartbeat (with --name: that worker's) is fresh, else 1",
    )
    p.add_argument(
        "--max-age",
        type=number(0, 7 * 24 * 3600, above=True, unit="seconds"),
        metavar="SECONDS",
        help="with --health: the oldest heartbeat that counts as fresh",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(handler=cmd_worker)
