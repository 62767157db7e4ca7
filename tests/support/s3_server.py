"""An S3-compatible server on 127.0.0.1 for the object-store tests: moto's standalone server
(`moto.server.ThreadedMotoServer`, from the test extra), in this process, on a free port.

`s3_bucket` starts it, sets the standard AWS variables for the test only (akhbar.storage reads
nothing else: botocore takes the endpoint from AWS_ENDPOINT_URL) and creates a bucket with
boto3; it yields the bucket's URL, `s3://<bucket>`."""

from __future__ import annotations

from collections.abc import Iterator
from multiprocessing import forkserver

import pytest

from tests.support import free_port

ACCESS_KEY = "akhbar-test-key"
SECRET_KEY = "akhbar-test-secret"
REGION = "us-east-1"
BUCKET = "akhbar-test"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's server, started once per test process."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }


@pytest.fixture
def s3_bucket(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh, empty bucket (named after the test) on the server; the AWS variables point at it
    for this test only. Yields `s3://<bucket>`.

    The pool workers of akhbar.runner fork from a fork server that keeps the environment it
    was started with: one an earlier test started is stopped, so the workers of this test see
    the variables (in a deployment they are set before anything starts)."""
    import boto3

    for name, value in aws_env(s3_endpoint).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    forkserver._forkserver._stop()
    bucket = f"{BUCKET}-{abs(hash(request.node.nodeid)) % 10**10}"
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=bucket)
    try:
        yield f"s3://{bucket}"
    finally:
        objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        while objects:
            client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": o["Key"]} for o in objects]})
            objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        client.delete_bucket(Bucket=bucket)
        forkserver._forkserver._stop()  # its workers would keep this test's variables
