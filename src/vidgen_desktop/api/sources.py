"""Media by URL: a ``source_url`` fetched into the content-addressed download cache, safely.

>>> fetcher = SourceFetcher(settings.api)
>>> path = fetcher.fetch("https://cdn.example.com/a.mp4", kind="video", element="clip")

The rule is the farm worker's (``worker.sources``) widened to the open
internet: http(s) only, no credentials in the URL, and the host must resolve
only to public addresses — no loopback, private, link-local (the cloud
metadata address 169.254.169.254 is one), multicast, reserved or
unspecified address — unless the URL lies under one of the operator's
``allowed_source_prefixes`` (the worker's own prefix test). Redirects are
followed by hand, at most ``max_redirects``, and every hop is checked again.
The answer must be 200 with a content type of the element's kind
(``video/*`` for a video, …, or ``application/octet-stream``), at most
``max_source_bytes`` (Content-Length and the bytes read both count) and
within ``source_timeout`` seconds in all. The file lands in the cache at
``<cache>/storage/<sha[:2]>/<sha>/<name>`` whole or not at all
(``files.move_into_place``). Every refusal is one line naming the element.

The addresses are checked when resolved, just before each request; a DNS
server that answers differently a moment later (rebinding) is not defended
against here — an operator who fears it puts the server behind an egress
proxy.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from vidgen_desktop import files
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.storage.cache import DownloadCache
from vidgen_desktop.storage.records import safe_name
from vidgen_desktop.worker.sources import _under, allowed_prefixes

KINDS = {"video": ("video/",), "image": ("image/",), "audio": ("audio/", "video/")}
ANY_BYTES = ("application/octet-stream", "binary/octet-stream")


class SourceRefused(VidgenError):
    """A ``source_url`` the server will not fetch (422, naming the element and field)."""

    def __init__(self, message: str, *, element: str | None = None) -> None:
        super().__init__(message)
        self.element = element


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


class SourceFetcher:
    def __init__(
        self,
        *,
        allowed: list[str] | tuple[str, ...] = (),
        max_bytes: int = 500 * 2**20,
        timeout: float = 60.0,
        max_redirects: int = 3,
        cache: DownloadCache | None = None,
    ) -> None:
        self.allowed = allowed_prefixes(allowed)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.cache = cache or DownloadCache()

    def check(self, url: str, *, where: str) -> None:
        """Refuse ``url`` unless it may be fetched (scheme, credentials, addresses)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceRefused(f"{where}: source_url {url!r} is not an http(s) URL")
        if parts.username or parts.password:
            raise SourceRefused(f"{where}: source_url must not carry a user name or password")
        if any(_under(url, prefix) for prefix in self.allowed):
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
        except (OSError, ValueError) as exc:
            raise SourceRefused(
                f"{where}: source_url host {parts.hostname!r} cannot be resolved ({exc})"
            ) from None
        blocked = sorted(a for a in found if not _public(a))
        if blocked:
            raise SourceRefused(
                f"{where}: source_url {url!r} points at a non-public address ({blocked[0]}); "
                "loopback, private, link-local and metadata addresses are refused"
            )

    def fetch(self, url: str, *, kind: str, element: str) -> Path:
        """The cached file for ``url`` (see the module docstring); SourceRefused otherwise."""
        where = f"element '{element}'"
        deadline = time.monotonic() + self.timeout
        with httpx.Client(follow_redirects=False, timeout=self.timeout, trust_env=False) as client:
            for _hop in range(self.max_redirects + 1):
                self.check(url, where=where)
                try:
                    with client.stream("GET", url) as response:
                        if response.is_redirect:
                            location = response.headers.get("location", "")
                            url = urljoin(url, location)
                            continue
                        return self._store(response, url, kind, where, deadline)
                except httpx.HTTPError as exc:
                    raise SourceRefused(
                        f"{where}: source_url {url!r} cannot be read: {exc}"
                    ) from None
        raise SourceRefused(f"{where}: source_url redirects more than {self.max_redirects} times")

    def _store(
        self, response: httpx.Response, url: str, kind: str, where: str, deadline: float
    ) -> Path:
        if response.status_code != 200:
            raise SourceRefused(f"{where}: source_url {url!r} answered HTTP {response.status_code}")
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not (ctype.startswith(KINDS.get(kind, ())) or ctype in ANY_BYTES):
            raise SourceRefused(
                f"{where}: source_url {url!r} is {ctype or 'of no content type'}, not {kind}"
            )
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise SourceRefused(
                f"{where}: source_url {url!r} is {int(length)} bytes; the limit is {self.max_bytes}"
            )
        name = safe_name(Path(unquote(urlsplit(url).path)).name or f"source.{kind}")
        incoming = self.cache.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        temporary = files.partial_path(incoming / name)
        sha, size = hashlib.sha256(), 0
        try:
            with temporary.open("wb") as out:
                for chunk in response.iter_bytes(1 << 16):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise SourceRefused(
                            f"{where}: source_url {url!r} is over {self.max_bytes} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise SourceRefused(
                            f"{where}: source_url {url!r} took over {self.timeout:g} s"
                        )
                    sha.update(chunk)
                    out.write(chunk)
            target = self.cache.path_for(sha.hexdigest(), name)
            if target.is_file():
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            files.move_into_place(temporary, target)
            return target
        finally:
            temporary.unlink(missing_ok=True)
