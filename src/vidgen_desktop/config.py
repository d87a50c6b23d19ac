"""User settings: a JSON file in the data folder, overridden by environment variables.

Only preferences live here (route threshold, queue concurrency, output
folder, output defaults for new projects, where the team backend is).
Secrets never do: passwords and keys live in the OS keyring (or, for
servers and CI, in environment variables) and are read with ``secret()``;
a database URL with a password in it is refused.

A damaged settings file never costs the user anything: it is set aside as
``settings.json.damaged-<time>`` and the defaults apply.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vidgen_desktop import files, paths

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
ENV = {  # environment variable -> setting it overrides
    "VIDGEN_THRESHOLD": "route_threshold",
    "VIDGEN_CONCURRENCY": "queue_concurrency",
    "VIDGEN_OUTPUT_DIR": "output_folder",
    "VIDGEN_CHUNK_THRESHOLD": "chunk_threshold",
    "VIDGEN_RENDER_JOBS": "render_jobs",
    "VIDGEN_CHUNK_SECONDS": "chunk_seconds",
}
BACKEND_ENV = {  # environment variable -> backend setting it overrides
    "VIDGEN_SUPABASE_URL": "supabase_url",
    "VIDGEN_S3_ENDPOINT": "s3_endpoint",
    "VIDGEN_S3_REGION": "s3_region",
    "VIDGEN_S3_BUCKET": "s3_bucket",
    "VIDGEN_S3_PREFIX": "s3_prefix",
    "VIDGEN_LINK_MODE": "link_mode",
    "VIDGEN_USER": "user",
}
KEYRING_SERVICE = "vidgen-desktop"
# secret name -> environment variable that supplies it on servers and in CI
SECRETS = {
    "database_password": "VIDGEN_DATABASE_PASSWORD",
    "supabase_anon_key": "VIDGEN_SUPABASE_ANON_KEY",
    "supabase_access_token": "VIDGEN_SUPABASE_ACCESS_TOKEN",  # the designer's session JWT
    "s3_access_key_id": "AWS_ACCESS_KEY_ID",
    "s3_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "api_server_key": "VIDGEN_API_KEY",  # the editor's key for its share server (api.server_url)
}
DATABASE_URL_ENV = "VIDGEN_DATABASE_URL"  # may carry a password: environment only, never a file


class OutputDefaults(BaseModel):
    """What a new project starts with."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    width: int = Field(1920, ge=16, le=7680)
    height: int = Field(1080, ge=16, le=7680)
    fps: float = Field(30, ge=1, le=120)
    format: Literal["mp4", "webm", "mov", "gif"] = "mp4"
    quality: Literal["draft", "standard", "high"] = "standard"


class BackendSettings(BaseModel):
    """Where the team backend is. Empty ``database_url``: no backend, embedded defaults."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    database_url: str | None = None  # postgresql://user@host:5432/db — no password here
    supabase_url: str | None = None  # https://<project>.supabase.co, for Realtime
    s3_endpoint: str | None = None  # custom endpoint: MinIO, R2, Supabase Storage; None: AWS
    s3_region: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = "vidgen/"
    link_mode: Literal["public", "presigned"] = "presigned"
    link_expiry: int = Field(7 * 24 * 3600, ge=60, le=7 * 24 * 3600)  # s; SigV4's maximum
    public_base_url: str | None = None  # e.g. a CDN in front of a public bucket
    user: str | None = None  # who this designer is in the team database
    team: str | None = None
    worker_concurrency: int = Field(1, ge=1, le=16)
    worker_allowed_url_prefixes: list[str] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _no_password(cls, value: str | None) -> str | None:
        if value and urlsplit(value).password:
            raise ValueError(
                "must not contain a password; store it with "
                "'vidgen backend secret database_password' (the OS keyring) "
                f"or set {SECRETS['database_password']}"
            )
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.database_url or os.environ.get(DATABASE_URL_ENV))

    @property
    def storage_enabled(self) -> bool:
        return bool(self.s3_bucket)


class RetentionSettings(BaseModel):
    """How long the job log keeps finished jobs, outputs and timelines (days; None: forever).

    Applied on start and daily by the editor (the local log) and by the worker
    started with ``--retention`` (the team database): ``store.retention``.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    completed_days: float | None = Field(365, ge=0)
    failed_days: float | None = Field(90, ge=0)
    cancelled_days: float | None = Field(30, ge=0)
    outputs_days: float | None = Field(None, ge=0)  # output files of completed jobs
    timelines_days: float | None = Field(None, ge=0)  # steps of finished jobs (the job stays)
    enabled: bool = True


class ApiSettings(BaseModel):
    """``vidgen serve``: the HTTP API's limits and trust (``api/``)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    rate_per_second: float = Field(10.0, ge=0, le=10_000)  # per key, sustained; 0: no limit
    burst: int = Field(60, ge=1, le=100_000)  # requests a key may make at once
    public_metrics: bool = True  # /metrics without a key (a scraper); /health always is
    trusted_proxies: list[str] = Field(default_factory=list)  # X-Forwarded-For only from these
    allowed_source_prefixes: list[str] = Field(default_factory=list)  # source_url allowed anyway
    max_body_bytes: int = Field(1_000_000, ge=1024, le=100_000_000)
    max_source_bytes: int = Field(500 * 2**20, ge=1024)
    source_timeout: float = Field(60.0, gt=0, le=3600)
    max_redirects: int = Field(3, ge=0, le=10)
    link_expiry: int = Field(7 * 24 * 3600, ge=60)  # s: how long a /s/ link works
    public_url: str | None = None  # the server's address as clients reach it (behind a proxy)
    server_url: str | None = None  # the editor: a server whose /s/ links Share makes
    max_upload_bytes: int = Field(8 * 2**30, ge=1024)  # a render the editor sends to be shared

    @field_validator("server_url")
    @classmethod
    def _plain_address(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the server's address, http://host:port or https://host")
        if parts.username or parts.password or parts.query:
            raise ValueError(
                "must not carry a user, password or key; the API key goes in the OS keyring "
                f"(Settings > Team storage) or {SECRETS['api_server_key']}"
            )
        return value.strip().rstrip("/")


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    route_threshold: float = Field(30.0, ge=0, le=24 * 3600)  # s: longer estimates are queued
    queue_concurrency: int = Field(1, ge=1, le=16)  # renders at once in the embedded queue
    # chunked renders (render.chunks): compositions longer than this many seconds are cut
    # into chunks rendered side by side. benchmarks/chunked_render.py (1080p30 H.264)
    # measures 0.27-0.30 CPU-s of fixed cost per chunk (FFmpeg's start, opening the
    # sources, the seek's decode from their keyframe before the cut, the encoder's start),
    # 0.6 for the sound's own FFmpeg and 0.1-0.2 for the join, against 23-26 ms a frame:
    # two chunks stay within 5 % of the one-piece CPU from about 20 s ("threshold_5pct_s";
    # 20-42 s over its runs on a loaded machine), and save nearly half the wall time.
    chunk_threshold: float = Field(20.0, ge=0, le=24 * 3600)
    chunk_seconds: float = Field(15.0, ge=1, le=3600)  # farm: about this long per chunk
    render_jobs: int = Field(0, ge=0, le=64)  # FFmpeg processes per render here; 0: by cores
    output_folder: str | None = None  # None: the platform's videos folder / Vidgen
    output_defaults: OutputDefaults = Field(default_factory=OutputDefaults)
    backend: BackendSettings = Field(default_factory=BackendSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # the editor's look (ui/shell/theme.py): "system" is dark unless the OS says light
    theme: Literal["system", "dark", "light"] = "system"
    # the user's own keys (ui/shell/shortcuts.py): action id -> Qt portable text, "" for none
    shortcuts: dict[str, str] = Field(default_factory=dict)

    def output_dir(self) -> Path:
        if self.output_folder:
            folder = Path(self.output_folder).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        return paths.output_dir()


def settings_path() -> Path:
    return paths.data_dir() / FILE_NAME


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        Settings.model_validate(data)
        return data
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, ValidationError) as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError:
            aside = path
        log.warning("settings file %s is damaged (%s); using defaults, kept as %s", path,
                    str(exc).splitlines()[0], aside)  # fmt: skip
        return {}


def saved() -> Settings:
    """The settings as stored in the file, without environment overrides (for editing)."""
    return Settings.model_validate(_from_file(settings_path()))


def load() -> Settings:
    """The settings in effect: file, then environment overrides (bad values ignored, logged)."""
    data = _from_file(settings_path())
    settings = Settings.model_validate(data)
    for variable, field in ENV.items():
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        try:
            setattr(settings, field, value)
        except ValidationError:
            log.warning("ignoring %s=%r: not a valid %s", variable, value, field)
    for variable, field in BACKEND_ENV.items():
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                setattr(settings.backend, field, value)
            except ValidationError:
                log.warning("ignoring %s: not a valid %s", variable, field)
    return settings


def save(settings: Settings) -> Path:
    """Write the settings atomically (environment overrides are not written)."""
    path = settings_path()
    data = json.dumps(settings.model_dump(mode="json"), indent=2) + "\n"
    files.atomic_write(path, data)
    return path


def update(**changes: Any) -> Settings:
    """Change settings in the file (validated: a bad value raises and nothing is written)."""
    current = saved()
    merged = Settings.model_validate({**current.model_dump(), **changes})
    save(merged)
    return merged


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    return None if isinstance(backend, fail.Keyring) else keyring


def secret(name: str) -> str | None:
    """A secret by name (see ``SECRETS``): its environment variable, else the OS keyring."""
    if name not in SECRETS:
        raise KeyError(name)
    value = os.environ.get(SECRETS[name])
    if value:
        return value
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception as exc:  # noqa: BLE001 - any keyring failure means "not available"
        log.warning("the OS keyring could not be read (%s)", type(exc).__name__)
        return None


def set_secret(name: str, value: str | None) -> None:
    """Store (or, with None, delete) a secret in the OS keyring."""
    from vidgen_desktop.errors import VidgenError

    if name not in SECRETS:
        raise VidgenError(f"unknown secret {name!r}; the secrets are: {', '.join(SECRETS)}")
    keyring = _keyring()
    if keyring is None:
        raise VidgenError(
            f"no OS keyring is available on this machine; set {SECRETS[name]} in the "
            "environment instead (for a worker: in its service's environment file)"
        )
    if value is None:
        with contextlib.suppress(Exception):  # deleting what is not there is fine
            keyring.delete_password(KEYRING_SERVICE, name)
    else:
        keyring.set_password(KEYRING_SERVICE, name, value)


def database_url(settings: Settings | None = None) -> str | None:
    """The team database's URL with its password filled in from the secret store.

    Never log this value; log ``redact(url)`` instead.
    """
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return from_env
    settings = settings or load()
    url = settings.backend.database_url
    if not url:
        return None
    password = secret("database_password")
    parts = urlsplit(url)
    if not password or parts.password:
        return url
    user = parts.username or "postgres"
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    from urllib.parse import quote

    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact(url: str | None) -> str:
    """A URL safe to show or log: any password replaced by ***."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
