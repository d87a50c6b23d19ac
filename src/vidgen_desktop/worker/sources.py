"""Which sources a farm worker agrees to read, and fetching them to local files.

A farm job comes from the team database, which other people can write to: a
source naming ``/etc/passwd`` or ``file:///home/…`` must never be read on the
worker's machine. A worker reads only

- files of the team storage (``s3://bucket/<prefix>sources/<sha256>/<name>``,
  as ``queue.farm`` writes them), downloaded through the storage with its
  cache, and
- URLs under a prefix the worker's operator allow-listed
  (``worker_allowed_url_prefixes``, http or https only), downloaded here
  without following redirects, so a redirect cannot lead anywhere else.

Everything is checked before anything is read; a refusal is ``BadInput``
(never retried) naming the element and why.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from vidgen_desktop.jobs.errors import BadInput, TransientFailure
from vidgen_desktop.storage import InvalidKey, Storage
from vidgen_desktop.storage.base import sha_in_key
from vidgen_desktop.storage.records import safe_name

URL_TIMEOUT = 30.0  # seconds to connect and between bytes of an allow-listed URL
ALLOWED_SCHEMES = ("http", "https")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: only the allow-listed address is read


def allowed_prefixes(prefixes: Iterable[str]) -> list[str]:
    """The usable allow-list entries: http(s) URLs with a host; others are dropped."""
    usable = []
    for prefix in prefixes:
        parts = urlsplit(prefix.strip())
        if parts.scheme in ALLOWED_SCHEMES and parts.hostname:
            usable.append(prefix.strip())
    return usable


def _under(url: str, prefix: str) -> bool:
    """``url`` lies under ``prefix`` by scheme, host and port and path segments."""
    u, p = urlsplit(url), urlsplit(prefix)
    if (u.scheme, u.netloc.lower()) != (p.scheme, p.netloc.lower()) or u.username:
        return False
    path, base = unquote(u.path), unquote(p.path)
    if any(part in (".", "..") for part in path.split("/")):
        return False
    if not base or base.endswith("/"):
        return path.startswith(base or "/")
    return path == base or path.startswith(base + "/")


def storage_key(source: str, target: Storage) -> str | None:
    """The storage key ``source`` names, if it is a source file of ``target``; else None."""
    base = target.uri(f"{target.prefix}sources/x")[:-1]
    if not source.startswith(base):
        return None
    key = f"{target.prefix}sources/{source[len(base) :]}"
    try:
        target.check_key(key)
    except InvalidKey:
        return None
    if sha_in_key(key) is None or target.uri(key) != source:
        return None
    return key


def check(composition: Mapping[str, Any], target: Storage, prefixes: Iterable[str]) -> dict:
    """Map element id → ("storage", key) or ("url", url); BadInput listing every refusal."""
    usable = allowed_prefixes(prefixes)
    plan: dict[str, tuple[str, str]] = {}
    problems = []
    for element in composition.get("elements", []):
        source = element.get("source")
        if not source:
            continue
        key = storage_key(source, target)
        if key is not None:
            plan[element["id"]] = ("storage", key)
        elif any(_under(source, prefix) for prefix in usable):
            plan[element["id"]] = ("url", source)
        else:
            problems.append(f"element '{element.get('id')}': {_why(source, usable)}")
    if problems:
        raise BadInput(
            "this farm worker renders only files from the team storage: " + "; ".join(problems),
            code="source_refused",
        )
    return plan


def _why(source: str, usable: list[str]) -> str:
    scheme = urlsplit(source).scheme
    shown = source if len(source) <= 120 else source[:117] + "..."
    if not scheme or len(scheme) == 1:  # a path (or a Windows drive letter)
        return f"{shown!r} is a local path, not a file in the team storage"
    if scheme == "file":
        return f"{shown!r} is a file: URL, not a file in the team storage"
    if scheme == "s3":
        return f"{shown!r} is not in this worker's team storage"
    listed = "no URL prefix is allow-listed" if not usable else "it is not under an allowed prefix"
    return f"{shown!r} is a URL and {listed}"


def fetch(
    plan: Mapping[str, tuple[str, str]], target: Storage, folder: Path, job_id: uuid.UUID
) -> dict[str, str]:
    """Local paths for every planned source (storage through its cache, URLs into ``folder``)."""
    local: dict[str, str] = {}
    for element_id, (kind, where) in plan.items():
        if kind == "storage":
            local[element_id] = str(target.download(where, job_id=job_id))
        else:
            local[element_id] = str(_download_url(where, folder / element_id))
    return local


def _download_url(url: str, folder: Path) -> Path:
    name = safe_name(Path(unquote(urlsplit(url).path)).name or "source")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=URL_TIMEOUT) as response, path.open("wb") as out:
            shutil.copyfileobj(response, out)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise BadInput(f"{url} redirects elsewhere; allow-listed URLs must not") from exc
        if exc.code >= 500 or exc.code == 429:
            raise TransientFailure(f"{url} answered {exc.code}", code="source_url") from exc
        raise BadInput(f"{url} cannot be read: HTTP {exc.code}", code="source_url") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TransientFailure(f"{url} cannot be reached: {exc}", code="source_url") from exc
    return path


def rewrite(composition: Mapping[str, Any], local: Mapping[str, str]) -> dict[str, Any]:
    """The composition with each planned element's source replaced by its local file."""
    data = dict(composition)
    data["elements"] = [
        {**element, "source": local[element["id"]]} if element.get("id") in local else element
        for element in composition.get("elements", [])
    ]
    return data
