"""A protocol-level stand-in for Supabase Realtime (and the bit of PostgREST a feed re-reads with).

Not Supabase: a small websockets server that speaks the Phoenix channel
protocol exactly as the supabase Python client (``realtime`` package) expects
it, fed from a real PostgreSQL database instead of logical replication:

* ``GET /realtime/v1/websocket?apikey=…&vsn=1.0.0`` upgrades to a websocket
  (a wrong ``apikey`` is refused with 401, as Supabase does);
* ``phx_join`` on ``realtime:<topic>`` with ``config.postgres_changes``
  bindings gets a ``phx_reply`` listing each binding back with a server id,
  then a ``system`` "Subscribed to PostgreSQL" message; ``heartbeat``,
  ``phx_leave`` and ``access_token`` are answered or taken as Supabase does;
* it LISTENs on ``vidgen_events`` (the NOTIFY contract of
  ``store/sql/0005_postgres_events.sql``), reads the changed row and sends a
  ``postgres_changes`` message (``data: {type, table, schema, record,
  old_record, commit_timestamp, columns, errors}`` and ``ids``) on every topic
  that has a matching binding (``event`` ``*``/op, ``filter`` ``col=eq.value``).

Where it differs from the real service: the record is the row as read when
the NOTIFY is handled, so two quick changes of one row may both arrive as the
later state (a feed must, and does, cope with that: rows carry ``change_seq``);
RLS is not applied; only ``eq`` filters are understood.

It also answers ``GET /rest/v1/<table>?col=eq.v&col=gt.n&order=col.asc`` like
PostgREST (enough for a feed's catch-up read), and can misbehave on demand:
``drop_connections()`` closes every socket abnormally, ``refuse = True``
rejects new handshakes with 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import http
import itertools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
from psycopg import sql
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

log = logging.getLogger(__name__)

CHANNEL = "vidgen_events"
TABLES = ("jobs", "processing_timeline")
WS_PATH = "/realtime/v1/websocket"
REST_PREFIX = "/rest/v1/"
REST_OPERATORS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
FIRST_BINDING_ID = 30_000_000  # Supabase's ids are large ints; 0 would be falsy in the client


@dataclass(eq=False)
class _Binding:
    id: int
    event: str
    schema: str
    table: str | None
    filter: str | None

    def matches(self, table: str, op: str, record: dict[str, Any]) -> bool:
        if self.schema != "public" or self.table not in (None, "*", table):
            return False
        if self.event not in ("*", op):
            return False
        if not self.filter:
            return True
        column, _, condition = self.filter.partition("=")
        operator, _, value = condition.partition(".")
        return operator == "eq" and str(record.get(column)) == value


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    topics: dict[str, list[_Binding]] = field(default_factory=dict)  # topic -> its bindings
    join_refs: dict[str, str | None] = field(default_factory=dict)
    access_token: str | None = None


class RealtimeServer:
    """``async with RealtimeServer(dsn, anon_key) as server:``; ``server.url`` is Supabase's URL."""

    def __init__(self, dsn: str, anon_key: str = "anon-test-key", host: str = "127.0.0.1"):
        self.dsn, self.anon_key, self.host = dsn, anon_key, host
        self.refuse = False  # reject new websocket handshakes (503) while True
        self.clients: list[_Client] = []
        self.joins = 0  # phx_join messages answered, ever
        self.access_tokens: list[str] = []  # tokens seen in joins, for tests to check
        self.handshakes_refused = 0
        self._ids = itertools.count(FIRST_BINDING_ID)
        self._server: Server | None = None
        self._listen: psycopg.AsyncConnection | None = None
        self._read: psycopg.AsyncConnection | None = None
        self._read_lock = asyncio.Lock()
        self._pump: asyncio.Task[None] | None = None
        self._columns: dict[str, list[dict[str, str]]] = {}

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"http://{self.host}:{port}"

    async def start(self) -> RealtimeServer:
        self._listen = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        self._read = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        await self._listen.execute(f"LISTEN {CHANNEL}")
        for table in TABLES:
            self._columns[table] = await self._column_types(table)
        self._pump = asyncio.create_task(self._pump_notifies())
        self._server = await serve(
            self._handle, self.host, 0, process_request=self._process_request, compression=None
        )
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        for connection in (self._listen, self._read):
            if connection is not None:
                await connection.close()

    async def __aenter__(self) -> RealtimeServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def drop_connections(self, code: int = 1011, reason: str = "dropped by test") -> int:
        """Close every client socket abnormally (the client sees ConnectionClosedError)."""
        clients, self.clients = self.clients, []
        for client in clients:
            await client.ws.close(code, reason)
        return len(clients)

    async def wait_for_joins(self, count: int, timeout: float = 10.0) -> None:
        """Until ``count`` joins in all have been answered."""
        async with asyncio.timeout(timeout):
            while self.joins < count:
                await asyncio.sleep(0.01)

    # -- HTTP: handshake checks and the PostgREST subset ---------------------------------------

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = dict(parse_qsl(parts.query))
        if parts.path.startswith(REST_PREFIX):
            return await self._rest(ws, request, parts.path[len(REST_PREFIX) :], parts.query)
        if parts.path != WS_PATH:
            return ws.respond(http.HTTPStatus.NOT_FOUND, "not found\n")
        if query.get("apikey") != self.anon_key:
            return ws.respond(http.HTTPStatus.UNAUTHORIZED, "invalid apikey\n")
        if self.refuse:
            self.handshakes_refused += 1
            return ws.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "refused by test\n")
        return None

    async def _rest(self, ws: ServerConnection, request: Request, table: str, query: str):
        if table not in TABLES or request.headers.get("apikey") != self.anon_key:
            return ws.respond(http.HTTPStatus.NOT_FOUND, "[]")
        conditions: list[sql.Composable] = []
        params: list[str] = []
        order: sql.Composable = sql.SQL("")
        for key, value in parse_qsl(query):
            if key == "select":
                continue
            if key == "order":
                column, _, direction = value.partition(".")
                desc = sql.SQL(" DESC" if direction == "desc" else "")
                order = sql.SQL(" ORDER BY {}{}").format(sql.Identifier(column), desc)
                continue
            operator, _, operand = value.partition(".")
            comparison = sql.SQL(REST_OPERATORS[operator])
            column = sql.Identifier(key)
            if operator == "eq":  # uuids, text and numbers alike, as PostgREST casts
                column = sql.SQL("{}::text").format(column)
            conditions.append(sql.SQL("{} {} %s").format(column, comparison))
            params.append(operand)
        where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
        statement = sql.SQL("SELECT row_to_json(t)::text FROM {} t WHERE {}{}").format(
            sql.Identifier(table), where, order
        )
        rows = await self._fetch(statement, params)
        body = ("[" + ",".join(rows) + "]").encode()
        headers = Headers({"Content-Type": "application/json", "Content-Length": str(len(body))})
        return Response(200, "OK", headers, body)

    async def _fetch(self, statement: sql.Composable, params: Iterable[Any]) -> list[str]:
        assert self._read is not None
        async with self._read_lock, self._read.cursor() as cursor:
            await cursor.execute(statement, list(params))
            return [row[0] for row in await cursor.fetchall()]

    async def _column_types(self, table: str) -> list[dict[str, str]]:
        rows = await self._fetch(
            sql.SQL(
                "SELECT json_build_object('name', attname, 'type', format_type(atttypid, NULL))"
                "::text FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                " AND NOT attisdropped ORDER BY attnum"
            ),
            [table],
        )
        return [json.loads(row) for row in rows]

    # -- the Phoenix channel protocol ----------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        client = _Client(ws)
        self.clients.append(client)
        try:
            async for raw in ws:
                await self._on_message(client, json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            with contextlib.suppress(ValueError):
                self.clients.remove(client)

    async def _on_message(self, client: _Client, message: dict[str, Any]) -> None:
        topic, event, ref = message.get("topic"), message.get("event"), message.get("ref")
        payload = message.get("payload") or {}
        if event == "heartbeat" and topic == "phoenix":
            await self._reply(client, topic, ref, {"status": "ok", "response": {}})
        elif event == "phx_join":
            await self._join(client, topic, ref, message.get("join_ref"), payload)
        elif event == "phx_leave":
            client.topics.pop(topic, None)
            await self._reply(client, topic, ref, {"status": "ok", "response": {}})
        elif event == "access_token":
            client.access_token = payload.get("access_token")
        else:
            await self._reply(client, topic, ref, {"status": "ok", "response": {}})

    async def _join(self, client, topic, ref, join_ref, payload: dict[str, Any]) -> None:
        config = payload.get("config") or {}
        bindings = [
            _Binding(
                id=next(self._ids),
                event=str(spec.get("event", "*")),
                schema=str(spec.get("schema", "public")),
                table=spec.get("table"),
                filter=spec.get("filter"),
            )
            for spec in config.get("postgres_changes") or []
        ]
        client.topics[topic] = bindings
        client.join_refs[topic] = join_ref
        client.access_token = payload.get("access_token")
        if client.access_token:
            self.access_tokens.append(client.access_token)
        response = {
            "postgres_changes": [
                {"id": b.id, "event": b.event, "schema": b.schema, "table": b.table}
                | ({"filter": b.filter} if b.filter else {})
                for b in bindings
            ]
        }
        await self._reply(client, topic, ref, {"status": "ok", "response": response})
        self.joins += 1
        if bindings:
            await self._send(
                client,
                {
                    "topic": topic,
                    "event": "system",
                    "ref": None,
                    "payload": {
                        "channel": topic.removeprefix("realtime:"),
                        "extension": "postgres_changes",
                        "message": "Subscribed to PostgreSQL",
                        "status": "ok",
                    },
                },
            )

    async def _reply(self, client: _Client, topic, ref, payload: dict[str, Any]) -> None:
        message = {"topic": topic, "event": "phx_reply", "ref": ref, "payload": payload}
        if topic in client.join_refs:
            message["join_ref"] = client.join_refs[topic]
        await self._send(client, message)

    @staticmethod
    async def _send(client: _Client, message: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(json.dumps(message))

    # -- PostgreSQL → subscribers --------------------------------------------------------------

    async def _pump_notifies(self) -> None:
        assert self._listen is not None
        async for notify in self._listen.notifies():
            try:
                await self._broadcast(json.loads(notify.payload))
            except Exception:  # a test server must keep serving
                log.exception("could not relay %s", notify.payload)

    async def _broadcast(self, change: dict[str, Any]) -> None:
        table, op = change["table"], change["op"]
        rows = await self._fetch(
            sql.SQL("SELECT row_to_json(t)::text FROM {} t WHERE id = %s").format(
                sql.Identifier(table)
            ),
            [change["id"]],
        )
        if not rows:
            return
        record = json.loads(rows[0])
        data = {
            "schema": "public",
            "table": table,
            "commit_timestamp": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "type": op,
            "errors": None,
            "columns": self._columns[table],
            "record": record,
            "old_record": {"id": record["id"]} if op == "UPDATE" else {},
        }
        if op != "UPDATE":
            del data["old_record"]
        for client in list(self.clients):
            for topic, bindings in list(client.topics.items()):
                ids = [b.id for b in bindings if b.matches(table, op, record)]
                if ids:
                    await self._send(
                        client,
                        {
                            "topic": topic,
                            "event": "postgres_changes",
                            "ref": None,
                            "payload": {"data": data, "ids": ids},
                        },
                    )
