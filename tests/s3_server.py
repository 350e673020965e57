"""A throwaway S3-compatible server for tests: moto's S3 server (``moto[server]``, a dev dependency) in a process of
its own on a free port of 127.0.0.1, plain HTTP, stopped at the end of the session (nothing kept). Requests must be
signed: the server starts with moto's IAM authentication on (``INITIAL_NO_AUTH_ACTION_COUNT``: the first five
requests, which create an IAM user, its access key, its policy and a role it may assume, go unchecked), so a wrong
key or secret is refused (``InvalidAccessKeyId`` / ``SignatureDoesNotMatch``, HTTP 403) as a real S3 would refuse
it, and temporary credentials of the role are refused without their session token.

It stands in for an object store (AWS S3, MinIO, ...) in the DuckLake tests with an ``s3://`` data path: DuckDB's
httpfs extension talks to it as to any S3-compatible endpoint (``AWS_ENDPOINT_URL``, path-style URLs, no SSL). It
is a Python server speaking the S3 API: it says whether the path works, not how fast a real object store is.

Without moto the tests that use the fixture skip with the reason (fail under CI, where the dev group installs it).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import throwaway_server
from tests.pg_server import free_port

REGION = "eu-west-1"
UNCHECKED = 5  # requests moto serves unchecked: create_user, create_access_key, put_user_policy, create_role, put_role_policy
ROLE = "arn:aws:iam::123456789012:role/monitor-lake"  # moto's default account


@dataclass
class S3Server:
    proc: subprocess.Popen
    port: int
    log: Path
    key_id: str = ""
    secret: str = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The AWS variables a process needs to use this server (what ``warehouse_backends`` reads)."""
        return {"AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret, "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoint}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.key_id,
                            aws_secret_access_key=self.secret)

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key in ``bucket`` under ``prefix`` (all pages)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def temporary_env(self) -> dict[str, str]:
        """``env()`` with temporary credentials of the role (sts:AssumeRole): they need AWS_SESSION_TOKEN."""
        import boto3

        sts = boto3.client("sts", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.key_id,
                           aws_secret_access_key=self.secret)
        creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="monitor-test")["Credentials"]
        return self.env() | {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                             "AWS_SESSION_TOKEN": creds["SessionToken"]}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(log: Path, timeout: float = 60) -> S3Server:
    """moto's S3 server (``python -m moto.server``) on a free port of 127.0.0.1, once it answers."""
    import moto  # noqa: F401  (ImportError: not installed)

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"INITIAL_NO_AUTH_ACTION_COUNT": str(UNCHECKED)}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    server = S3Server(proc, port, log)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"moto's server exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"moto's server did not listen on 127.0.0.1:{port} within {timeout} s")
            time.sleep(0.2)
    try:
        _make_user(server)
        server.client().list_buckets()  # answers S3, signed with the new key, not only TCP
    except Exception:
        server.stop()
        raise
    return server


def _make_user(server: S3Server) -> None:
    """The IAM user whose access key signs every request after the first ``UNCHECKED`` (all of S3, and assuming the
    role), and the role (all of S3)."""
    import boto3

    iam = boto3.client("iam", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id="bootstrap",
                       aws_secret_access_key="bootstrap")
    iam.create_user(UserName="monitor")
    key = iam.create_access_key(UserName="monitor")["AccessKey"]
    allow = lambda *actions: json.dumps({"Version": "2012-10-17", "Statement": [  # noqa: E731
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})
    iam.put_user_policy(UserName="monitor", PolicyName="s3", PolicyDocument=allow("s3:*", "sts:AssumeRole"))
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:user/monitor"}}]}
    iam.create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=ROLE.rsplit("/", 1)[1], PolicyName="s3", PolicyDocument=allow("s3:*"))
    server.key_id, server.secret = key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture(scope="session")
def s3_server():
    """A running moto S3 server (``S3Server``); skipped with the reason when moto is not installed."""
    def reason(exc: BaseException) -> str:
        return f"no local S3 server: moto is not installed ({exc}; it is in the dev group: `python3 bootstrap.py setup`)"

    yield from throwaway_server("monitor-s3-", lambda root: start_server(root / "moto.log"), (ImportError,), reason)
