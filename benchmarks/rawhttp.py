"""A lean HTTP/1.1 client for load generation: one keep-alive socket per client, asyncio streams.

>>> conn = await Connection.open("127.0.0.1", 8000, {"Authorization": "Bearer KEY"})
>>> status, headers, body = await conn.request("GET", "/api/v1/videoresult/ID")

Why not httpx: at 200 requests a second httpx spends several times the
server's CPU per request (its pool, its models, h11), and on a 2-core
machine the load generator then takes the server's CPU and the latencies
measure the client. This speaks just enough HTTP/1.1 for the API's answers
(``Content-Length`` bodies, no chunked encoding, keep-alive) and costs a
few tens of microseconds a request.
"""

from __future__ import annotations

import asyncio
import contextlib


class Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, extra: bytes
    ) -> None:
        self.reader, self.writer, self.host, self.extra = reader, writer, host, extra

    @classmethod
    async def open(cls, host: str, port: int, headers: dict[str, str] | None = None) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()).encode()
        return cls(reader, writer, f"{host}:{port}", extra)

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on this connection; (status, headers with lower-case names, body)."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + self.extra
        if headers:
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        if body or method in ("POST", "PUT"):
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.writer.write(head + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        found: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                found[name.strip().lower()] = value.strip()
        if "chunked" in found.get("transfer-encoding", ""):
            raise ValueError(f"{method} {path}: a chunked answer (not read by this client)")
        length = int(found.get("content-length", "0"))
        data = await self.reader.readexactly(length) if length else b""
        return status, found, data

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
