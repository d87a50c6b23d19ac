"""Storage in an S3 bucket: AWS, or any S3-compatible store (MinIO, R2, Supabase Storage).

The one module that talks to boto3. A custom endpoint gets path-style
addressing (what MinIO, Supabase Storage and local stand-ins expect); every
request is signed with SigV4 and retried in botocore's ``standard`` mode.
Uploads go through boto3's transfer manager (multipart above a threshold,
parts in parallel) with the file's SHA-256 in the object's metadata, so a
download can be checked and cached by content. boto3 ≥ 1.36 sends new
integrity checksums by default, which several S3-compatible stores reject;
they are only sent where a request requires them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import boto3.exceptions
import s3transfer.exceptions
from boto3.s3.transfer import TransferConfig
from botocore import exceptions as bx
from botocore.config import Config

from vidgen_desktop.config import BackendSettings, redact, secret
from vidgen_desktop.storage import errors, s3_errors
from vidgen_desktop.storage.base import Storage, _Track, sha_in_key
from vidgen_desktop.storage.cache import DownloadCache
from vidgen_desktop.storage.records import (
    ObjectInfo,
    OperationRecorder,
    Progress,
    ProgressCallback,
    ShareLink,
)

MB = 1024 * 1024
# boto3's own defaults: larger parts measured no faster (benchmarks/upload_throughput.py).
MULTIPART_THRESHOLD = 8 * MB  # bytes: smaller files go up in one request
MULTIPART_CHUNKSIZE = 8 * MB  # bytes per part (S3's minimum is 5 MiB)
MAX_CONCURRENCY = 10  # parts in flight at once
MAX_ATTEMPTS = 5  # per request, standard-mode retries with backoff included
CONNECT_TIMEOUT = 5.0  # seconds
READ_TIMEOUT = 60.0  # seconds
MAX_PRESIGNED = 7 * 24 * 3600  # seconds: SigV4's longest presigned link
DEFAULT_REGION = "us-east-1"  # what MinIO and most stand-ins answer to
_BOTO_ERRORS = (
    bx.BotoCoreError, bx.ClientError, boto3.exceptions.Boto3Error,
    s3transfer.exceptions.RetriesExceededError,
)  # fmt: skip


class S3Storage(Storage):
    backend = "s3"
    shares = True

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "vidgen/",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        link_mode: str = "presigned",
        link_expiry: int = 7 * 24 * 3600,  # seconds
        public_base_url: str | None = None,
        recorder: OperationRecorder | None = None,
        cache: DownloadCache | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunksize: int = MULTIPART_CHUNKSIZE,
        max_concurrency: int = MAX_CONCURRENCY,
        max_attempts: int = MAX_ATTEMPTS,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        """Without credentials, boto3's own chain applies (profile, instance role…)."""
        super().__init__(prefix=prefix, recorder=recorder)
        if link_mode not in ("public", "presigned"):
            raise ValueError(f"link_mode must be 'public' or 'presigned', not {link_mode!r}")
        self.bucket = bucket
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.region = region or DEFAULT_REGION
        self.link_mode = link_mode
        self.link_expiry = int(link_expiry)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.allows_public = link_mode == "public" or bool(self.public_base_url)
        self.cache = cache or DownloadCache()
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency,
            use_threads=True,
        )
        config = Config(
            signature_version="s3v4",
            region_name=self.region,
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=READ_TIMEOUT,
            max_pool_connections=max(10, max_concurrency + 2),
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A session of our own: boto3's default session is not safe to share across threads.
        session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key
        )
        self.client = session.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
        )
        self._bucket_seen = False  # a request on the bucket has worked: a bare 404 is the key

    @classmethod
    def from_settings(
        cls, backend: BackendSettings, *, recorder: OperationRecorder | None = None,
        cache: DownloadCache | None = None, **options: Any,
    ) -> S3Storage:  # fmt: skip
        """The team bucket from the backend settings, credentials from the keyring/environment."""
        if not backend.s3_bucket:
            raise errors.StorageError("no S3 bucket is set in the backend settings")
        return cls(
            backend.s3_bucket,
            endpoint_url=backend.s3_endpoint,
            region=backend.s3_region,
            prefix=backend.s3_prefix,
            access_key_id=secret("s3_access_key_id"),
            secret_access_key=secret("s3_secret_access_key"),
            link_mode=backend.link_mode,
            link_expiry=backend.link_expiry,
            public_base_url=backend.public_base_url,
            recorder=recorder,
            cache=cache,
            **options,
        )

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def public_url(self, key: str) -> str:
        """The object's address for anyone, if the bucket (or a CDN in front) is public."""
        path = quote(key, safe="/")
        if self.public_base_url:
            return f"{self.public_base_url}/{path}"
        if self.endpoint_url:
            return f"{self.endpoint_url}/{quote(self.bucket)}/{path}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{path}"

    def check(self) -> str:
        with self._translated("check", self.prefix):
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        self._bucket_seen = True
        return f"bucket '{self.bucket}' on {s3_errors.where(self.endpoint_url)} can be listed"

    # Backend operations -----------------------------------------------------------

    def _stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except bx.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status not in (403, 404):
                raise self._translate(exc, "check", key) from exc
            if status == 404 and self._bucket_seen:
                return None
            return self._diagnose(key, exc)
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, "check", key) from exc
        self._bucket_seen = True
        metadata = head.get("Metadata") or {}
        return ObjectInfo(
            int(head["ContentLength"]),
            sha256=metadata.get("sha256") or sha_in_key(key),
            etag=str(head.get("ETag", "")).strip('"') or None,
        )

    def _diagnose(self, key: str, head_error: bx.ClientError) -> None:
        """A HEAD answer has no body, so no error code: a missing bucket, a wrong key and a
        refused one all look alike. A one-byte GET (same permission) carries the code."""
        try:
            self.client.get_object(Bucket=self.bucket, Key=key, Range="bytes=0-0")["Body"].close()
        except bx.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "NoSuchKey":
                self._bucket_seen = True
                return None
            if code != "InvalidRange":  # an empty object: the GET was allowed
                raise self._translate(exc, "check", key) from exc
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, "check", key) from exc
        raise self._translate(head_error, "download", key) from head_error  # GET yes, HEAD no

    def _put(self, path: Path, key: str, sha256: str, progress: Progress) -> None:
        extra = {
            "Metadata": {"sha256": sha256},
            "ContentType": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        }
        with self._translated("upload", key):
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs=extra, Config=self.transfer,
                Callback=progress,
            )  # fmt: skip

    def _download(self, key: str, track: _Track, progress: ProgressCallback | None) -> Path:
        name = key.rsplit("/", 1)[-1]
        known = sha_in_key(key)  # a source key names its content: the cache answers alone
        if known and (hit := self.cache.get(known, name)) is not None:
            return self._from_cache(hit, track, progress)
        info = self._stat(key)
        if info is None:
            raise errors.ObjectMissing(
                f"{name} is not in the storage bucket '{self.bucket}'", key=key
            )
        content_id = info.sha256 or _etag_id(self.bucket or "", key, info.etag)
        if (hit := self.cache.get(content_id, name)) is not None:
            return self._from_cache(hit, track, progress)
        track.size = info.size
        track.details["cached"] = False
        counter = Progress(info.size, progress)

        def write(handle: Any) -> None:
            with self._translated("download", key):
                self.client.download_fileobj(
                    self.bucket, key, handle, Config=self.transfer, Callback=counter
                )

        path = self.cache.fill(content_id, name, write, sha256=info.sha256)
        counter.finish()
        return path

    def _remove(self, key: str) -> bool:
        existed = self._stat(key) is not None
        with self._translated("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=key)
        return existed

    def _list(self, folder: str) -> list[str]:
        with self._translated("list", folder):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder
            )
            return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def _link(self, key: str, *, expires_in: int | None, public: bool) -> ShareLink:
        if public or (self.link_mode == "public" and expires_in is None):
            return ShareLink(key=key, url=self.public_url(key), mode="public", expires_at=None)
        seconds = max(1, min(MAX_PRESIGNED, int(expires_in or self.link_expiry)))
        with self._translated("link", key):
            url = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds,
            )  # fmt: skip
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=seconds)
        return ShareLink(key=key, url=url, mode="presigned", expires_at=expires)

    # Helpers --------------------------------------------------------------------

    @staticmethod
    def _from_cache(path: Path, track: _Track, progress: ProgressCallback | None) -> Path:
        track.size = path.stat().st_size
        track.details["cached"] = True
        Progress(track.size, progress).finish()
        return path

    def _translate(self, exc: BaseException, op: str, key: str) -> errors.StorageError:
        return s3_errors.translate(
            exc, op=op, key=key, bucket=self.bucket or "", endpoint=self.endpoint_url
        )

    @contextlib.contextmanager
    def _translated(self, op: str, key: str) -> Iterator[None]:
        try:
            yield
        except errors.StorageError:
            raise
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, op, key) from exc
        self._bucket_seen = True

    def __repr__(self) -> str:
        endpoint = f", endpoint={redact(self.endpoint_url)!r}" if self.endpoint_url else ""
        return f"S3Storage({self.bucket!r}, prefix={self.prefix!r}{endpoint})"


def _etag_id(bucket: str, key: str, etag: str | None) -> str:
    """A cache id for an object stored without our hash (uploaded by someone else)."""
    return "etag-" + hashlib.sha256(f"{bucket}/{key}@{etag}".encode()).hexdigest()
