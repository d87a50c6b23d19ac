"""``vidgen serve`` (the HTTP API) and ``vidgen api-key create|list|revoke``."""

from __future__ import annotations

import argparse
import json
import sys

from vidgen_desktop.cli.args import whole_number

PORT = whole_number(1, 65535)


def cmd_serve(args: argparse.Namespace) -> int:
    from vidgen_desktop import config
    from vidgen_desktop.api.server import run

    settings = config.load()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"vidgen: serving on {args.host}: every request but /health, /metrics and /s/ "
            "needs an API key",
            file=sys.stderr,
        )
    run(
        settings,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        run_queue=not args.no_queue,
        access_log=args.access_log,
    )
    return 0


def _keys():  # noqa: ANN202
    from vidgen_desktop import store
    from vidgen_desktop.store.api_keys import ApiKeys

    return ApiKeys(store.open_local())


def cmd_key_create(args: argparse.Namespace) -> int:
    made = _keys().create(args.name, owner=args.owner)
    if args.json:
        print(json.dumps({**made.record.to_dict(), "key": made.key}))
    else:
        print(made.key)
        print(
            f"API key '{made.record.name}' (owner {made.record.owner}): shown once, "
            "only its hash is kept",
            file=sys.stderr,
        )
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    keys = _keys().list()
    if args.json:
        print(json.dumps([k.to_dict() for k in keys]))
        return 0
    for k in keys:
        state = "revoked" if k.revoked_at else "active"
        print(f"{k.id}  {k.prefix}…  {state:<8} {k.owner:<16} {k.name}")
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    keys = _keys()
    revoked = keys.revoke(keys.find(args.key).id)
    print(f"revoked API key '{revoked.name}' ({revoked.prefix}…)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="the HTTP API (POST /api/v1/videocreate, ...)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=PORT, default=8000)
    p.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    p.add_argument(
        "--no-queue",
        action="store_true",
        help="render no queued job here (`vidgen queue run` does, in another process)",
    )
    p.add_argument(
        "--access-log", action="store_true", help="log a line per request (default: none)"
    )
    p.set_defaults(handler=cmd_serve)

    keys = sub.add_parser("api-key", help="keys for the HTTP API")
    ksub = keys.add_subparsers(dest="api_key_command", required=True)
    c = ksub.add_parser("create", help="make a key (printed once; only its hash is kept)")
    c.add_argument("--name", required=True)
    c.add_argument("--owner", help="whose jobs the key makes and reads (default: the name)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=cmd_key_create)
    ls = ksub.add_parser("list", help="the keys (never the secrets)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_key_list)
    r = ksub.add_parser("revoke", help="stop a key working")
    r.add_argument("key", help="its id, name or shown prefix")
    r.set_defaults(handler=cmd_key_revoke)
