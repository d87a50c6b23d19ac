"""The FastAPI application: access (keys, limits, body size), errors, and the routes.

>>> app = create_app(ApiServer.open())    # OpenAPI at /docs and /openapi.json

Every request but ``/health``, ``/metrics`` (unless ``api.public_metrics`` is
off), ``/s/…`` and the OpenAPI pages needs ``Authorization: Bearer KEY``
(401 otherwise); each key has a token bucket (429 with ``Retry-After``).
A body over ``api.max_body_bytes`` is refused with 413 before it is read
whole. Errors are JSON: ``{"error": {"code", "message"}}``, and for a
document that does not validate also ``errors``: one entry per line the
command line would print, with its ``element`` and ``field``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vidgen_desktop import __version__
from vidgen_desktop.api import limits
from vidgen_desktop.api.server import ApiServer

OPEN_PATHS = ("/health", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/s/")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.errors = errors


def error_body(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> dict:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if errors is not None:
        body["errors"] = errors
    return body


def create_app(server: ApiServer) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        server.start()
        try:
            yield
        finally:
            server.close()

    app = FastAPI(title="Vidgen", version=__version__, lifespan=lifespan)
    app.state.server = server

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.errors), exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(
            error_body("invalid_request", f"{where}: {first.get('msg', 'invalid')}"), 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body("http_error", str(exc.detail)), exc.status_code, exc.headers)

    app.add_middleware(Access, server=server)

    from vidgen_desktop.api import jobs_routes, ops, shares_routes

    jobs_routes.install(app, server)
    shares_routes.install(app, server)
    ops.install(app, server)
    return app


class Access:
    """Plain ASGI middleware (cheaper than ``BaseHTTPMiddleware`` on every poll): the guard,
    then the route; each answer counted for /metrics."""

    def __init__(self, app: Any, server: ApiServer) -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        status = 500

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        response = await _guard(self.server, request)
        if response is not None:
            await response(scope, receive, sending)
        else:
            await self.app(scope, receive, sending)
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.server.counters.count(scope["method"], route, status, time.perf_counter() - started)


def _open(server: ApiServer, path: str) -> bool:
    if path == "/metrics":
        return server.settings.api.public_metrics
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS)


async def _guard(server: ApiServer, request: Request) -> JSONResponse | None:
    """Body size, key, rate limit: an answer when the request stops here, else None."""
    length = request.headers.get("content-length")
    limit = server.settings.api.max_body_bytes
    if length and length.isdigit() and int(length) > limit:
        return JSONResponse(error_body("body_too_large", f"the body is over {limit} bytes"), 413)
    peer = request.client.host if request.client else None
    request.state.client = limits.client_address(
        peer, request.headers.get("x-forwarded-for"), server.settings.api.trusted_proxies
    )
    request.state.key = None
    if _open(server, request.scope["path"]):  # not request.url: a URL object per poll
        return None
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    key = (
        server.authenticate(secret.strip()) if scheme.lower() == "bearer" and secret else None
    )
    if key is None:
        return JSONResponse(
            error_body(
                "unauthorized",
                "an API key is needed: Authorization: Bearer KEY "
                "(vidgen api-key create --name NAME)",
            ),
            401,
            {"WWW-Authenticate": "Bearer"},
        )
    wait = server.buckets.take(str(key.id))
    if wait > 0:
        return JSONResponse(
            error_body(
                "rate_limited",
                f"too many requests for key '{key.name}'; retry in {limits.retry_after(wait)} s",
            ),
            429,
            {"Retry-After": limits.retry_after(wait)},
        )
    request.state.key = key
    return None
