"""Request limits: a token bucket per API key, and who the client is behind a proxy.

>>> buckets = Buckets(rate=5.0, burst=20)
>>> buckets.take("key-id")          # 0.0: allowed; else the seconds to wait (Retry-After)
>>> client_address("10.0.0.2", "203.0.113.9, 10.0.0.2", trusted=["10.0.0.0/8"])

``X-Forwarded-For`` is read only when the connection comes from a trusted
proxy (``api.trusted_proxies``, addresses or networks); then the client is
the right-most address not itself a trusted proxy. Otherwise the header is
ignored: anyone can write it.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Iterable


class Buckets:
    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:  # noqa: ANN001
        self.rate = rate  # tokens per second
        self.burst = max(1, burst)
        self._clock = clock
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0 when allowed, else seconds until one is there."""
        if self.rate <= 0:
            return 0.0  # limits off
        now = self._clock()
        with self._lock:
            tokens, when = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def _networks(trusted: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for item in trusted:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return found


def _is_trusted(address: str, networks: list) -> bool:  # noqa: ANN001
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[str]
) -> str | None:
    """The client's address: the peer, or from X-Forwarded-For when the peer is trusted."""
    networks = _networks(trusted)
    if not peer or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
