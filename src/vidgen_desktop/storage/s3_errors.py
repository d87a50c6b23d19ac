"""boto3 and botocore errors turned into our own, with messages a designer can act on.

The messages name the bucket, the endpoint's host and the file, never a key
or a secret; the service's code and text go in ``detail`` for the log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore import exceptions as bx

from vidgen_desktop.storage import errors

SECRET_HINT = (
    "set them with 'vidgen backend secret s3_access_key_id' and "
    "'vidgen backend secret s3_secret_access_key' (or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY on a worker)"
)
_WRONG_KEY = {"InvalidAccessKeyId", "InvalidClientTokenId", "UnrecognizedClientException"}
_WRONG_SECRET = {"SignatureDoesNotMatch", "InvalidSignature"}
_EXPIRED = {"ExpiredToken", "TokenRefreshRequired", "InvalidToken", "RequestExpired"}
_DENIED = {"AccessDenied", "AllAccessDisabled", "AccountProblem", "403"}
_BUSY = {
    "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
    "InternalError", "ServiceUnavailable", "500", "502", "503", "504",
}  # fmt: skip
_VERBS = {"upload": "upload", "download": "download", "delete": "delete", "link": "share",
          "check": "list"}  # fmt: skip


def where(endpoint: str | None) -> str:
    """The storage server as a person would name it (host only, never any userinfo)."""
    if not endpoint:
        return "Amazon S3"
    parts = urlsplit(endpoint)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"


def root_cause(exc: BaseException) -> BaseException:
    """boto3's transfer manager wraps the service's error (S3UploadFailedError…): unwrap it."""
    seen = exc
    while not isinstance(seen, bx.BotoCoreError | bx.ClientError):
        inner = getattr(seen, "last_exception", None) or seen.__cause__ or seen.__context__
        if inner is None:
            return exc
        seen = inner
    return seen


def translate(
    exc: BaseException, *, op: str, key: str, bucket: str, endpoint: str | None
) -> errors.StorageError:
    """Our StorageError for any boto3/botocore error raised while doing ``op`` on ``key``."""
    cause = root_cause(exc)
    host = where(endpoint)
    name = key.rsplit("/", 1)[-1] or key
    verb = _VERBS.get(op, op)
    if isinstance(cause, bx.NoCredentialsError | bx.PartialCredentialsError):
        return errors.CredentialsMissing(
            f"no storage credentials are set for bucket '{bucket}': {SECRET_HINT}",
            key=key, detail=type(cause).__name__,
        )  # fmt: skip
    if isinstance(cause, bx.ConnectionError | bx.HTTPClientError):
        return errors.StorageUnreachable(
            f"the storage server {host} cannot be reached: check the S3 endpoint in the "
            "backend settings and your network connection",
            key=key, detail=f"{type(cause).__name__}: {cause}",
        )  # fmt: skip
    if not isinstance(cause, bx.ClientError):
        return errors.StorageError(
            f"could not {verb} {name}: {type(cause).__name__}", key=key, detail=str(cause)
        )
    error = cause.response.get("Error", {})
    code = str(error.get("Code") or "")
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    detail = f"{code} (HTTP {status}): {error.get('Message', '')}"
    if code == "NoSuchBucket":
        return errors.BucketMissing(
            f"the bucket '{bucket}' does not exist on {host}: create it, or correct the "
            "bucket name in the backend settings",
            key=key, detail=detail,
        )  # fmt: skip
    if code in _WRONG_KEY:
        return errors.CredentialsRejected(
            f"{host} does not know the storage access key: check s3_access_key_id "
            f"({SECRET_HINT})",
            key=key, detail=detail,
        )  # fmt: skip
    if code in _WRONG_SECRET:
        return errors.CredentialsRejected(
            f"{host} rejected the storage secret key: check s3_secret_access_key "
            f"({SECRET_HINT})",
            key=key, detail=detail,
        )  # fmt: skip
    if code in _EXPIRED:
        return errors.CredentialsRejected(
            f"the storage credentials for {host} have expired: {SECRET_HINT}",
            key=key, detail=detail,
        )  # fmt: skip
    if code in _DENIED:
        return errors.AccessDenied(
            f"the storage credentials are not allowed to {verb} {name} in bucket "
            f"'{bucket}': ask whoever manages the bucket for access",
            key=key, detail=detail,
        )  # fmt: skip
    if code in {"NoSuchKey", "404", "NotFound"}:
        return errors.ObjectMissing(
            f"{name} is not in the storage bucket '{bucket}'", key=key, detail=detail
        )
    if code in _BUSY or (isinstance(status, int) and status >= 500):
        return errors.StorageBusy(
            f"{host} is busy or failing at the moment; could not {verb} {name}, try again "
            "shortly",
            key=key, detail=detail,
        )  # fmt: skip
    return errors.StorageError(
        f"{host} refused to {verb} {name}: {error.get('Message') or code}", key=key, detail=detail
    )
