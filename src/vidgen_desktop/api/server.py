"""What ``vidgen serve`` runs: the job log, one ``JobService`` and its queue, and uvicorn.

>>> server = ApiServer.open(settings)      # the local job log, the queue the settings call for
>>> app = create_app(server)              # api.app; the routes share ``server``
>>> run(settings, host="127.0.0.1", port=8000)

The service is the command line's (``vidgen submit``): the same estimate,
threshold and dual answer. Its queue is the farm's when a team backend is
set up (``queue.async_queue``); otherwise the embedded queue, run by this
process (``LocalQueue.start``), so a queued job renders without another
command. Jobs made through the API are owned (``api_job_owners``) by the
key that made them: the ownership is written from the ``pending`` event,
which the service publishes on the submitting thread as it logs the job,
so a job is never listed nor readable by anyone before it is owned.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.api.limits import Buckets
from vidgen_desktop.api.snapshots import Snapshots
from vidgen_desktop.api.sources import SourceFetcher
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.store.api_keys import ApiKey, ApiKeys
from vidgen_desktop.store.api_keys import digest as keys_digest
from vidgen_desktop.store.tracked_links import TrackedLinks

KEY_CACHE = 2.0  # s a found key is trusted without reading the table again
OWNERS_KEPT = 100_000  # job owners remembered (then forgotten all at once)


@dataclasses.dataclass
class Counters:
    """Request counters for /metrics (Prometheus text, written by ``api.ops``)."""

    requests: dict[tuple[str, str, int], int] = dataclasses.field(default_factory=dict)
    seconds_sum: float = 0.0
    seconds_count: int = 0
    buckets: list[int] = dataclasses.field(default_factory=lambda: [0] * 6)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    BOUNDS = (0.005, 0.025, 0.05, 0.25, 1.0, 10.0)

    def count(self, method: str, route: str, status: int, seconds: float) -> None:
        with self.lock:
            key = (method, route, status)
            self.requests[key] = self.requests.get(key, 0) + 1
            self.seconds_sum += seconds
            self.seconds_count += 1
            for n, bound in enumerate(self.BOUNDS):
                if seconds <= bound:
                    self.buckets[n] += 1


class ApiServer:
    def __init__(
        self,
        db: Any,
        settings: config.Settings,
        service: JobService,
        queue: Any,
        *,
        run_queue: bool = True,
    ) -> None:
        self.db = db
        self.settings = settings
        self.service = service
        self.queue = queue
        # False (`vidgen serve --no-queue`): queued jobs wait for `vidgen queue run` elsewhere
        self.runs_queue = run_queue or not hasattr(queue, "start")
        self.keys = ApiKeys(db)
        self.links = TrackedLinks(db)
        api = settings.api
        self.fetcher = SourceFetcher(
            allowed=api.allowed_source_prefixes,
            max_bytes=api.max_source_bytes,
            timeout=api.source_timeout,
            max_redirects=api.max_redirects,
        )
        self.buckets = Buckets(api.rate_per_second, api.burst)
        self.counters = Counters()
        self.started = time.time()
        self.snapshots = Snapshots(db, salt=repr(self.started))  # videoresult's reads
        self.job_links: dict[uuid.UUID, str] = {}  # a job's /s/ link made by this process
        self._owning = threading.local()
        self._keys: dict[str, tuple[ApiKey, float]] = {}  # sha256 -> (key, until)
        self._owners: dict[uuid.UUID, str] = {}
        self._lock = threading.RLock()  # video_url holds it while it asks owner_of
        service.subscribe(self._on_event)

    @classmethod
    def open(cls, settings: config.Settings | None = None, *, run_queue: bool = True) -> ApiServer:
        from vidgen_desktop import store
        from vidgen_desktop.queue import async_queue
        from vidgen_desktop.queue.local import LocalQueue

        settings = settings or config.load()
        db = store.open_local()
        farm = async_queue(db, settings)
        service = JobService(db, queue=farm, threshold=settings.route_threshold)
        queue = farm or LocalQueue(db, service, concurrency=settings.queue_concurrency)
        return cls(db, settings, service, queue, run_queue=run_queue)

    def start(self) -> None:
        if self.runs_queue and hasattr(self.queue, "start"):
            self.queue.start()  # the embedded queue renders in this process

    def close(self) -> None:
        if hasattr(self.queue, "start"):
            if self.runs_queue:
                self.queue.stop(wait=True)
        elif hasattr(self.queue, "close"):
            self.queue.close()
        self.snapshots.close()
        self.db.close()

    # Ownership ---------------------------------------------------------------------

    def submit(self, comp: Any, key: ApiKey | None, **kwargs: Any) -> tuple[Any, uuid.UUID | None]:
        """``service.submit`` with the job owned by ``key`` from its first event.

        Returns (the submission, or the exception it raised; the job id, if one was made).
        """
        owning = self._owning
        owning.active, owning.key, owning.job_id = True, key, None
        try:
            return self.service.submit(comp, **kwargs), owning.job_id
        except Exception as exc:  # noqa: BLE001 - the route answers it
            return exc, owning.job_id
        finally:
            owning.active = False

    def _on_event(self, event: Any) -> None:
        owning = self._owning
        if not getattr(owning, "active", False) or owning.job_id is not None:
            return  # not this thread's submission, or already owned
        if event.kind == "status" and event.status == "pending":
            owning.job_id = event.job_id
            self.keys.own(event.job_id, owning.key)

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key for ``secret``; a found key is remembered ``KEY_CACHE`` seconds, so a
        revocation (``vidgen api-key revoke``, any process) takes at most that long."""
        now = time.monotonic()
        digest = keys_digest(secret)
        with self._lock:
            cached = self._keys.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        key = self.keys.authenticate(secret)
        with self._lock:
            if key is None:
                self._keys.pop(digest, None)
            else:
                self._keys[digest] = (key, now + KEY_CACHE)
        return key

    def owner_of(self, job_id: uuid.UUID) -> str | None:
        """Who owns the job (never changes once written, so remembered)."""
        with self._lock:
            owner = self._owners.get(job_id)
        if owner is None:
            owner = self.keys.owner_of(job_id)
            if owner is not None:
                with self._lock:
                    if len(self._owners) > OWNERS_KEPT:
                        self._owners.clear()
                    self._owners[job_id] = owner
        return owner

    def may_read(self, key: ApiKey | None, job_id: uuid.UUID) -> bool:
        owner = self.owner_of(job_id)
        if owner is None:
            return False  # not made through the API
        return key is None or owner == key.owner

    # Links ---------------------------------------------------------------------------

    def base_url(self, request_base: str) -> str:
        return (self.settings.api.public_url or request_base).rstrip("/")

    def video_url(self, job: Any, request_base: str) -> str | None:
        """The job's /s/ link (made once per job by this process), for a completed job."""
        if str(job.status) != "completed":
            return None
        with self._lock:
            url = self.job_links.get(job.id)
            if url is None:
                owner = self.owner_of(job.id)
                made = self.links.create(
                    job.id,
                    base_url=self.base_url(request_base),
                    expires_in=self.settings.api.link_expiry,
                    owner=owner,
                )
                url = self.job_links[job.id] = made.url
        return url


def run(
    settings: config.Settings,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    run_queue: bool = True,
    access_log: bool = False,
) -> None:
    """uvicorn with httptools and uvloop when installed (its ``auto``), one process.

    No line per request unless ``access_log`` (a poller's every GET would be
    one: at 200 pollers that is a fifth of the server's CPU; a reverse proxy
    in front keeps its own log)."""
    import uvicorn

    from vidgen_desktop.api.app import create_app

    server = ApiServer.open(settings, run_queue=run_queue)
    app = create_app(server)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=False,
    )
