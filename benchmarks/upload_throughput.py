"""Upload throughput: ``S3Storage.upload_output`` vs a plain boto3 ``upload_file``.

    python benchmarks/upload_throughput.py [--mb 64] [--runs 5]

Both upload the same file to moto's S3 server on 127.0.0.1 — a stand-in for
S3, so the figures measure what each client costs on loopback, not a real
network. Ours hashes the file (SHA-256, for content addressing and the
download cache), HEADs the key, uploads with its TransferConfig and records
the operation; plain boto3 uses its default TransferConfig. Medians of
``--runs``. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from vidgen_desktop.storage import MemoryRecorder
from vidgen_desktop.storage.s3 import S3Storage

MB = 1024 * 1024
KEY_ID, SECRET = "AKIAVIDGENBENCH00001", "benchmark-secret"


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 * MB))
            handle.write(chunk)
            left -= len(chunk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64, help="file size in MiB")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    print(f"S3 stand-in: moto's S3 server at {endpoint} (loopback; not a real network)")
    try:
        plain = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}),
        )  # fmt: skip
        bucket = "vidgen-bench"
        plain.create_bucket(Bucket=bucket)
        ours = S3Storage(bucket, endpoint_url=endpoint, access_key_id=KEY_ID,
                         secret_access_key=SECRET, recorder=MemoryRecorder())  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "render.mp4"
            size = args.mb * MB
            make_file(source, size)
            times: dict[str, list[float]] = {"vidgen": [], "boto3": []}
            for run in range(args.runs):
                for name in ("boto3", "vidgen") if run % 2 else ("vidgen", "boto3"):
                    started = time.perf_counter()
                    if name == "vidgen":
                        key = ours.upload_output(source, uuid.uuid4()).key
                    else:
                        key = f"plain/{uuid.uuid4()}/render.mp4"
                        plain.upload_file(str(source), bucket, key)
                    times[name].append(time.perf_counter() - started)
                    plain.delete_object(Bucket=bucket, Key=key)  # moto keeps objects in memory
    finally:
        server.stop()

    median = {name: statistics.median(values) for name, values in times.items()}
    rate = {name: args.mb / seconds for name, seconds in median.items()}
    for name in ("vidgen", "boto3"):
        print(f"{name:<7} {median[name]:6.3f} s  {rate[name]:7.1f} MiB/s  (median of {args.runs})")
    ratio = rate["vidgen"] / rate["boto3"]
    print(f"ours runs at {ratio:.2f}x plain boto3 upload_file on a {args.mb} MiB file")
    print(json.dumps({
        "benchmark": "upload_throughput", "target": "moto S3 server on loopback (stand-in)",
        "mb": args.mb, "runs": args.runs,
        "seconds": {k: round(v, 4) for k, v in median.items()},
        "mib_per_s": {k: round(v, 1) for k, v in rate.items()},
        "ratio_vs_boto3": round(ratio, 3),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
