"""The S3 backend against moto's S3 server over real HTTP on 127.0.0.1.

moto's server stands in for S3 (and for MinIO, R2, Supabase Storage): same
REST API, same SigV4 signing, multipart uploads and presigned URLs; it does
not enforce a presigned URL's expiry, so the URL's parameters are checked
instead. Credentials are checked by moto only inside
``enable_iam_authentication()``, which the wrong-credentials test uses.
Every operation is also checked in a real SQLite job log.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import socket
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from moto.core.authorization import enable_iam_authentication
from moto.server import ThreadedMotoServer

from vidgen_desktop import storage
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.config import BackendSettings, Settings
from vidgen_desktop.storage import (
    BucketMissing,
    CorruptDownload,
    CredentialsMissing,
    CredentialsRejected,
    DownloadCache,
    InvalidKey,
    LocalFolderStorage,
    ObjectMissing,
    StorageUnreachable,
)
from vidgen_desktop.storage.s3 import S3Storage
from vidgen_desktop.store import open_local

pytestmark = pytest.mark.s3  # moto's S3 server stands in for S3
MB = 1024 * 1024
KEY_ID, SECRET = "AKIAVIDGENTEST000001", "vidgen-test-secret-do-not-print"


@pytest.fixture(scope="module")
def endpoint():
    """moto's S3 server, a stand-in for S3, on a free port of 127.0.0.1."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def hermetic(tmp_path, monkeypatch):
    """No credentials or config from this machine; our files under tmp."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("VIDGEN_HOME", str(tmp_path / "home"))


@functools.cache
def admin(endpoint: str, service: str = "s3"):
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}),
    )  # fmt: skip


@pytest.fixture
def bucket(endpoint):
    name = f"vidgen-{uuid.uuid4().hex[:12]}"
    admin(endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def db(tmp_path):
    with open_local(tmp_path / "jobs.sqlite3") as database:
        yield database


@pytest.fixture
def job(db):
    return db.jobs.create(Composition.from_data({"name": "Spring promo"}))


@pytest.fixture
def make(endpoint, bucket, db, job, tmp_path):
    def make(**options) -> S3Storage:
        defaults = dict(
            endpoint_url=endpoint, access_key_id=KEY_ID, secret_access_key=SECRET,
            recorder=db.storage_log.recorder(job.id), cache=DownloadCache(tmp_path / "cache"),
            multipart_threshold=5 * MB, multipart_chunksize=5 * MB, link_expiry=3600,
        )  # fmt: skip
        defaults.update(options)
        return S3Storage(defaults.pop("bucket", bucket), **defaults)

    return make


def media(folder: Path, name: str, size: int, seed: int = 1) -> Path:
    path = folder / name
    block = hashlib.sha256(f"{seed}".encode()).digest() * 4096  # 128 KiB
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


class Ticks:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.seen.append((done, total))


def test_small_upload_is_content_addressed_with_progress_and_logged(make, endpoint, bucket,
                                                                    db, job, tmp_path):  # fmt: skip
    source = media(tmp_path, "Logo – final.png", 200_000)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    ticks = Ticks()
    stored = make().upload_source(source, progress=ticks)
    assert stored.key == f"vidgen/sources/{sha}/Logo-final.png"
    assert stored.uri == f"s3://{bucket}/{stored.key}"
    assert (stored.size, stored.sha256, stored.uploaded) == (200_000, sha, True)
    assert ticks.seen[-1] == (200_000, 200_000)
    head = admin(endpoint).head_object(Bucket=bucket, Key=stored.key)
    assert head["Metadata"]["sha256"] == sha and head["ContentType"] == "image/png"
    [op] = db.storage_log.operations(job.id)
    assert (op.operation, op.backend, op.bucket, op.key) == ("upload", "s3", bucket, stored.key)
    assert (op.status, op.size_bytes, op.error_message) == ("completed", 200_000, None)
    assert op.duration_seconds > 0 and op.details["role"] == "source"


def test_multipart_upload_reports_progress_to_the_full_size(make, endpoint, bucket, tmp_path):
    source = media(tmp_path, "clip.mp4", 11 * MB + 123)
    ticks = Ticks()
    stored = make().upload_output(source, "job-1", progress=ticks)
    assert stored.key == "vidgen/outputs/job-1/clip.mp4"
    head = admin(endpoint).head_object(Bucket=bucket, Key=stored.key)
    assert head["ETag"].strip('"').endswith("-3")  # three parts: 5 + 5 + 1 MiB
    assert head["ContentLength"] == source.stat().st_size
    done = [d for d, _ in ticks.seen]
    assert done == sorted(done) and done[-1] == source.stat().st_size
    assert len(ticks.seen) > 3  # progress while it went, not only at the end
    body = admin(endpoint).get_object(Bucket=bucket, Key=stored.key)["Body"].read()
    assert body == source.read_bytes()


def test_the_same_content_is_stored_once(make, endpoint, bucket, db, job, tmp_path):
    first = media(tmp_path, "logo.png", 50_000)
    again = tmp_path / "copy"
    again.mkdir()
    copy = again / "logo.png"
    copy.write_bytes(first.read_bytes())
    s3 = make()
    one = s3.upload_source(first)
    ticks = Ticks()
    two = s3.upload_source(copy, progress=ticks)
    assert one.key == two.key and (one.uploaded, two.uploaded) == (True, False)
    assert ticks.seen == [(50_000, 50_000)]
    listing = admin(endpoint).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listing["Contents"]] == [one.key]
    ops = db.storage_log.operations(job.id)
    assert [o.details.get("skipped") for o in ops] == [None, "already stored"]
    assert all(o.status == "completed" for o in ops)


def test_download_goes_through_the_cache(make, endpoint, bucket, db, job, tmp_path):
    source = media(tmp_path, "intro.mov", 300_000, seed=2)
    output = make().upload_output(source, job.id)
    reader = make()  # another machine: its cache is empty too
    ticks = Ticks()
    first = reader.download(output.key, progress=ticks)
    assert first.read_bytes() == source.read_bytes() and first.is_relative_to(tmp_path / "cache")
    assert ticks.seen[-1] == (300_000, 300_000)
    second = reader.download(output.key)
    assert second == first
    copied = reader.download(output.key, tmp_path / "here" / "intro.mov")
    assert copied.read_bytes() == source.read_bytes()
    downloads = [o for o in db.storage_log.operations(job.id) if o.operation == "download"]
    assert [o.details["cached"] for o in downloads] == [False, True, True]
    assert all(o.size_bytes == 300_000 for o in downloads)

    # A source key names its content: the cache answers without asking the server.
    src = make().upload_source(source)
    reader.download(src.key)
    admin(endpoint).delete_object(Bucket=bucket, Key=src.key)
    assert reader.download(src.key).read_bytes() == source.read_bytes()


def test_a_damaged_download_is_refused_and_not_cached(make, endpoint, bucket, tmp_path):
    key = "vidgen/outputs/job-2/clip.mp4"
    admin(endpoint).put_object(Bucket=bucket, Key=key, Body=b"not what was stored",
                               Metadata={"sha256": "0" * 64})  # fmt: skip
    with pytest.raises(CorruptDownload) as caught:
        make().download(key)
    assert caught.value.transient and "damaged" in caught.value.message
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_presigned_link_parameters_and_it_serves_the_file(make, endpoint, bucket, db, job,
                                                          tmp_path):  # fmt: skip
    source = media(tmp_path, "final cut.mp4", 40_000, seed=3)
    s3 = make(link_expiry=3600)
    output = s3.upload_output(source, job.id)
    before = dt.datetime.now(dt.UTC)
    link = s3.share_link(output.key, client="desktop")
    parts = urlsplit(link.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert link.mode == "presigned"
    assert f"{parts.scheme}://{parts.netloc}" == endpoint
    assert parts.path == f"/{bucket}/{output.key.replace(' ', '%20')}"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "3600"
    assert query["X-Amz-SignedHeaders"] == "host"
    assert query["X-Amz-Credential"].endswith("/us-east-1/s3/aws4_request")
    assert len(query["X-Amz-Signature"]) == 64
    assert abs((link.expires_at - before).total_seconds() - 3600) < 5
    with urllib.request.urlopen(link.url, timeout=10) as response:
        assert response.read() == source.read_bytes()

    (created,) = db.storage_log.links(job.id)  # a copy is logged by the queue panel
    assert created.action == "created"
    assert created.client == "desktop" and created.expires_at == link.expires_at
    assert "X-Amz-Signature" not in created.url and "X-Amz-Credential" not in created.url
    assert created.url.startswith(f"{endpoint}/{bucket}/vidgen/outputs/")
    assert created.details == {"key": output.key, "mode": "presigned"}
    link_ops = [o for o in db.storage_log.operations(job.id) if o.operation == "link"]
    assert [o.details["mode"] for o in link_ops] == ["presigned"]


def test_public_link_shapes(make, endpoint, bucket, tmp_path):
    source = media(tmp_path, "teaser.webm", 1000)
    public = make(link_mode="public")
    key = public.upload_output(source, "job-3").key
    assert public.share_link(key).url == f"{endpoint}/{bucket}/{key}"
    cdn = make(link_mode="public", public_base_url="https://cdn.example.com/media/")
    link = cdn.share_link(key)
    assert (link.url, link.mode, link.expires_at) == (
        f"https://cdn.example.com/media/{key}", "public", None)  # fmt: skip
    aws = S3Storage("team-renders", region="eu-west-1", link_mode="public")
    assert aws.public_url("vidgen/outputs/j/a b.mp4") == (
        "https://team-renders.s3.eu-west-1.amazonaws.com/vidgen/outputs/j/a%20b.mp4")  # fmt: skip


def test_link_to_a_missing_file_fails_clearly_and_is_logged(make, db, job):
    with pytest.raises(ObjectMissing, match="ghost.mp4 is not in the storage"):
        make().share_link("vidgen/outputs/x/ghost.mp4")
    [op] = db.storage_log.operations(job.id)
    assert (op.operation, op.status) == ("link", "failed") and "ghost.mp4" in op.error_message
    assert db.storage_log.links(job.id) == []


def test_delete_and_exists(make, tmp_path, db, job):
    s3 = make()
    key = s3.upload_output(media(tmp_path, "a.mp4", 10), job.id).key
    assert s3.exists(key)
    assert s3.delete(key) is True and not s3.exists(key)
    assert s3.delete(key) is False
    deletes = [o for o in db.storage_log.operations(job.id) if o.operation == "delete"]
    assert [o.details["existed"] for o in deletes] == [True, False]


@pytest.mark.parametrize(
    "key", ["/etc/passwd", "vidgen/../etc/passwd", "file:///etc/passwd", "vidgen//x", "other/x"]
)
def test_keys_that_are_not_ours_are_refused(make, key):
    with pytest.raises(InvalidKey):
        make().download(key)


def test_missing_bucket(make, db, job, tmp_path):
    s3 = make(bucket="vidgen-no-such-bucket")
    with pytest.raises(BucketMissing) as caught:
        s3.upload_source(media(tmp_path, "logo.png", 100))
    message = caught.value.message
    assert "'vidgen-no-such-bucket' does not exist on 127.0.0.1:" in message
    assert not caught.value.transient
    with pytest.raises(BucketMissing):
        s3.exists("vidgen/outputs/x/y.mp4")
    [op] = db.storage_log.operations(job.id)
    assert (op.operation, op.status, op.error_message) == ("upload", "failed", message)


def test_unreachable_endpoint(tmp_path, db, job):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    s3 = S3Storage("renders", endpoint_url=f"http://127.0.0.1:{port}", access_key_id=KEY_ID,
                   secret_access_key=SECRET, max_attempts=1,
                   recorder=db.storage_log.recorder(job.id))  # fmt: skip
    with pytest.raises(StorageUnreachable) as caught:
        s3.upload_source(media(tmp_path, "logo.png", 100))
    assert caught.value.transient
    assert f"127.0.0.1:{port} cannot be reached" in caught.value.message
    assert db.storage_log.operations(job.id)[0].status == "failed"


@pytest.fixture
def iam_user(endpoint):
    iam = admin(endpoint, "iam")
    name = f"designer-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName=name, PolicyName="all-s3", PolicyDocument=json.dumps(policy))
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_wrong_credentials_say_which_part_is_wrong_without_the_secret(make, iam_user, tmp_path,
                                                                      caplog):  # fmt: skip
    key_id, secret = iam_user
    source = media(tmp_path, "logo.png", 100)
    caplog.set_level(logging.DEBUG, logger="vidgen_desktop")
    with enable_iam_authentication():
        assert make(access_key_id=key_id, secret_access_key=secret).upload_source(source).uploaded
        with pytest.raises(CredentialsRejected) as wrong_key:
            make(access_key_id="AKIAWRONGWRONGWRONG0", secret_access_key=secret).exists(
                "vidgen/outputs/x/logo.png"
            )
        with pytest.raises(CredentialsRejected) as wrong_secret:
            make(access_key_id=key_id, secret_access_key=SECRET).upload_source(source)
    assert "does not know the storage access key" in wrong_key.value.message
    assert "rejected the storage secret key" in wrong_secret.value.message
    for caught in (wrong_key.value, wrong_secret.value):
        assert not caught.transient
        for text in (caught.message, caught.detail, caplog.text):
            assert secret not in text and SECRET not in text


def test_no_credentials_at_all(endpoint, bucket, tmp_path):
    s3 = S3Storage(bucket, endpoint_url=endpoint)
    with pytest.raises(CredentialsMissing, match="vidgen backend secret s3_access_key_id"):
        s3.upload_source(media(tmp_path, "logo.png", 100))


def test_the_failures_are_distinct(make, tmp_path):
    messages = set()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cases = [
        (make(bucket="vidgen-missing-one"), BucketMissing),
        (make(endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1), StorageUnreachable),
        (make(link_mode="presigned"), ObjectMissing),
    ]
    for s3, kind in cases:
        with pytest.raises(kind) as caught:
            s3.share_link("vidgen/outputs/x/nothing.mp4")
        messages.add(caught.value.message)
    assert len(messages) == 3


def test_from_settings_picks_the_backend(endpoint, bucket, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    team = BackendSettings(s3_bucket=bucket, s3_endpoint=endpoint, s3_prefix="team/renders",
                           link_mode="public")  # fmt: skip
    s3 = storage.from_settings(Settings(backend=team))
    assert isinstance(s3, S3Storage) and s3.prefix == "team/renders/"
    stored = s3.upload_source(media(tmp_path, "logo.png", 100))
    assert stored.key.startswith("team/renders/sources/")
    assert s3.share_link(stored.key).url == f"{endpoint}/{bucket}/{stored.key}"
    assert SECRET not in repr(s3)
    local = storage.from_settings(BackendSettings())
    assert isinstance(local, LocalFolderStorage)
    assert local.root == (Path(os.environ["VIDGEN_HOME"]) / "data" / "storage").resolve()
    assert "bucket 'vidgen-" in s3.check()
