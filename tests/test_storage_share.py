"""Sharing a render, against moto's S3 server over real HTTP (the stand-in for the team bucket).

moto does not enforce a presigned URL's expiry, so the URL's ``X-Amz-Expires``
and the logged expiry are checked; the file is fetched over HTTP.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from test_storage_s3 import KEY_ID, SECRET, admin, bucket, db, endpoint, hermetic, job, media
from vidgen_desktop.storage import DownloadCache, LocalFolderStorage, StorageError, share
from vidgen_desktop.storage.s3 import S3Storage

pytestmark = pytest.mark.s3  # moto's S3 server stands in for S3
__all__ = ["bucket", "db", "endpoint", "hermetic", "job"]  # fixtures shared with test_storage_s3


def team(endpoint, bucket, db, job, tmp_path, **options) -> S3Storage:
    return S3Storage(
        bucket, endpoint_url=endpoint, access_key_id=KEY_ID, secret_access_key=SECRET,
        recorder=db.storage_log.recorder(job.id), cache=DownloadCache(tmp_path / "cache"),
        **options,
    )  # fmt: skip


def expires_param(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])


def test_a_local_render_goes_up_once_and_each_link_has_its_expiry(
    endpoint, bucket, db, job, tmp_path
):
    render = media(tmp_path, "Spring promo.mp4", 30_000, seed=5)
    target = team(endpoint, bucket, db, job, tmp_path)
    assert [e.code for e in share.choices(target.allows_public)] == [
        "1h",
        "1d",
        "7d",
    ]  # a private bucket
    before = dt.datetime.now(dt.UTC)
    first = share.share_output(target, job_id=job.id, output_path=str(render),
                               output_url=render.as_uri(), expiry=share.expiry("1h"))  # fmt: skip
    again = share.share_output(target, job_id=job.id, output_path=str(render),
                               output_url=render.as_uri(), expiry=share.expiry("7d"))  # fmt: skip
    assert first.uploaded and not again.uploaded  # content addressed: the bytes went up once
    assert first.key == again.key and "/shares/" in first.key
    assert expires_param(first.link.url) == 3600 and expires_param(again.link.url) == 7 * 86400
    assert abs((first.link.expires_at - before).total_seconds() - 3600) < 5
    with urllib.request.urlopen(again.link.url, timeout=10) as response:
        assert response.read() == render.read_bytes()
    listed = admin(endpoint).list_objects_v2(Bucket=bucket, Prefix="vidgen/shares/")["Contents"]
    assert len(listed) == 1

    created = [r for r in db.storage_log.links(job.id) if r.action == "created"]
    assert [r.expires_at for r in created] == [first.link.expires_at, again.link.expires_at]
    assert all("X-Amz-Signature" not in r.url for r in created)


def test_a_farm_render_is_linked_where_the_worker_stored_it(endpoint, bucket, db, job, tmp_path):
    target = team(endpoint, bucket, db, job, tmp_path)
    stored = target.upload_output(media(tmp_path, "promo.mp4", 5000), job.id)
    published = target.share_link(stored.key).url  # what the worker wrote on the job
    shared = share.share_output(target, job_id=job.id, output_path=None,
                                output_url=published, expiry=share.expiry("1d"))  # fmt: skip
    assert (shared.key, shared.uploaded) == (stored.key, False)
    assert expires_param(shared.link.url) == 86400


def test_public_only_where_the_bucket_allows_it(endpoint, bucket, db, job, tmp_path):
    render = media(tmp_path, "teaser.webm", 2000)
    private = team(endpoint, bucket, db, job, tmp_path)
    with pytest.raises(StorageError, match="cannot give public links: the bucket is private"):
        share.share_output(private, job_id=job.id, output_path=str(render), output_url=None,
                           expiry=share.expiry("public"))  # fmt: skip
    public = team(endpoint, bucket, db, job, tmp_path, public_base_url=f"{endpoint}/{bucket}")
    assert "public" in [e.code for e in share.choices(public.allows_public)]
    shared = share.share_output(public, job_id=job.id, output_path=str(render), output_url=None,
                                expiry=share.expiry("public"))  # fmt: skip
    assert (shared.link.mode, shared.link.expires_at) == ("public", None)
    assert shared.link.url == f"{endpoint}/{bucket}/{shared.key}"


def test_without_team_storage_share_says_what_to_set_up(db, job, tmp_path):
    render = media(tmp_path, "local.mp4", 100)
    folder = LocalFolderStorage(tmp_path / "storage")
    with pytest.raises(share.NoTeamStorage, match="set an S3 bucket in Settings > Team storage"):
        share.share_output(folder, job_id=job.id, output_path=str(render), output_url=None,
                           expiry=share.expiry("1d"))  # fmt: skip
    with pytest.raises(ValueError, match="'2w' is not a link expiry"):
        share.expiry("2w")


def test_a_job_without_its_file_cannot_be_shared(endpoint, bucket, db, job, tmp_path):
    target = team(endpoint, bucket, db, job, tmp_path)
    with pytest.raises(share.NothingToShare, match="no output file to share"):
        share.share_output(target, job_id=job.id, output_path=str(tmp_path / "gone.mp4"),
                           output_url=None, expiry=share.expiry("1h"))  # fmt: skip
