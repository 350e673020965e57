"""The DuckLake warehouse with its table data in an object store (``MONITOR_WAREHOUSE_DATA_PATH=s3://...``, docs/
deployment.md): the catalog in a throwaway PostgreSQL (tests/pg_server.py), the Parquet files on moto's S3 server on
127.0.0.1 (tests/s3_server.py), which checks request signatures. A full `monitor build` on it publishes what the
embedded build publishes; the data lands in the bucket and nowhere local; a read-only reader sees it.

moto stands in for S3: plain HTTP, in memory. Not tried: AWS itself, MinIO, SSL, credential chains.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.core import warehouse, warehouse_backends as backends
from pipelines.core.warehouse_backends import Backend
from pipelines.settings import paths
from tests.conftest import MONITOR, make_dirs
from tests.pg_server import pg_server  # noqa: F401  (the fixture)
from tests.s3_server import s3_server  # noqa: F401  (the fixture)
from tests.test_ducklake import _canonical, _lake_connect

BUCKET = "monitor-lake"
# DuckLake 1.5.5 keeps the rows of an INSERT of at most this many rows in the catalog (data inlining), not in a Parquet
# file; the registers (raw_monitor__*, pipelines/registers.py) are inserted row by row, so all their rows are there
INLINED = 10


@contextmanager
def aws(env: dict[str, str]):
    """The process environment with exactly these AWS variables (what warehouse_backends reads), restored after."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    for k in saved:
        del os.environ[k]
    os.environ.update(env)
    try:
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[k]
        os.environ.update(saved)


def _secret(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    text = con.execute("SELECT secret_string FROM duckdb_secrets() WHERE name = 'monitor_lake_s3'").fetchone()[0]
    return dict(item.split("=", 1) for item in text.split(";"))


# --- the secret, without a server ---------------------------------------------------------------------------------


def test_the_s3_secret_follows_the_aws_variables():
    con = duckdb.connect()
    con.execute(f"LOAD '{backends.extension_file('httpfs')}'")
    base = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s/ecret", "AWS_REGION": "eu-west-1"}
    with aws(base | {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000/"}):
        backends._s3_secret(con)
        secret = _secret(con)
    assert (secret["endpoint"], secret["url_style"], secret["use_ssl"]) == ("127.0.0.1:9000", "path", "false")
    assert (secret["key_id"], secret["region"], secret["secret"]) == ("AKIAEXAMPLE", "eu-west-1", "redacted")
    assert secret.get("session_token", "") == ""
    with aws(base | {"AWS_ENDPOINT_URL": "http://ignored:1", "AWS_ENDPOINT_URL_S3": "https://minio.example:9000",
                     "AWS_SESSION_TOKEN": "token"}):
        backends._s3_secret(con)
        secret = _secret(con)
    assert (secret["endpoint"], secret["use_ssl"], secret["session_token"]) == ("minio.example:9000", "true", "redacted")
    with aws(base):  # AWS itself: nothing set, so DuckDB's defaults (s3.amazonaws.com, virtual-host URLs, SSL)
        backends._s3_secret(con)
        secret = _secret(con)
    assert not {"endpoint", "use_ssl", "url_style", "session_token"} & set(secret) and secret["key_id"] == "AKIAEXAMPLE"
    with aws(base | {"AWS_ENDPOINT_URL": "127.0.0.1:9000"}), pytest.raises(backends.BackendError, match="http:// or https://"):
        backends._s3_secret(con)


def test_an_object_store_data_path_makes_no_local_folder(tmp_path, monkeypatch):
    """open_connection used to create the data path as a local folder unless it began s3://, gs://, r2:// or http:
    an s3a:// path (which httpfs serves, and for which it loaded httpfs) became a folder 's3a:' in the working folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MONITOR_WORK_DIR", str(tmp_path / "work"))
    for i, data in enumerate(("s3://bucket/monitor/", "s3a://bucket/monitor/", "gs://bucket/monitor/")):
        monkeypatch.setenv(backends.ENV, f"ducklake:{tmp_path / f'catalog{i}.ducklake'}")  # a catalog keeps its path
        monkeypatch.setenv(backends.DATA_PATH_ENV, data)
        assert backends.selected().data_is_remote
        with aws({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}):
            backends.open_connection(paths().warehouse).close()  # ATTACH does not reach the store
    assert (tmp_path / "catalog2.ducklake").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(":")]  # 's3a:', 'gs:': a URL taken for a folder


# --- on moto's S3 server -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_lake(pg_server, s3_server):
    """A fresh catalog in PostgreSQL whose data path is a prefix of the test bucket."""
    if BUCKET not in {b["Name"] for b in s3_server.client().list_buckets()["Buckets"]}:
        s3_server.create_bucket(BUCKET)
    return Backend("ducklake", "postgres:" + pg_server.createdb("small_s3"), f"s3://{BUCKET}/small/")


def test_a_table_lands_in_the_bucket_and_reads_back(small_lake, s3_server):
    with aws(s3_server.env()), _lake_connect(small_lake) as con:
        warehouse.replace_table(con, "probe", pl.DataFrame({"i": range(1000), "s": ["x"] * 1000}))
        files = [r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('lake', 'probe')").fetchall()]
        assert con.execute("SELECT count(*), sum(i) FROM probe").fetchone() == (1000, 499500)
    assert files and all(f.startswith(f"s3://{BUCKET}/small/main/probe/") for f in files)
    assert {f.removeprefix(f"s3://{BUCKET}/") for f in files} <= set(s3_server.keys(BUCKET, "small/"))


def test_the_store_refuses_a_wrong_secret_and_a_missing_session_token(small_lake, s3_server):
    """moto checks signatures as S3 does: these fail at the first read of a Parquet file, with S3's reason. (DuckDB's
    httpfs also takes AWS_SESSION_TOKEN from the environment when a secret has none, seen with 1.5.5, so this passes
    without the secret's SESSION_TOKEN too; test_the_s3_secret_follows_the_aws_variables checks that one.)"""
    with aws(s3_server.env()), _lake_connect(small_lake) as con:
        warehouse.replace_table(con, "probe_auth", pl.DataFrame({"i": range(100)}))
    with aws(s3_server.env() | {"AWS_SECRET_ACCESS_KEY": "wrong"}), _lake_connect(small_lake, read_only=True) as con:
        with pytest.raises(duckdb.Error, match="SignatureDoesNotMatch"):
            con.execute("SELECT sum(i) FROM probe_auth").fetchone()
    temporary = s3_server.temporary_env()  # an assumed role: key, secret and session token
    with aws(temporary), _lake_connect(small_lake, read_only=True) as con:
        assert con.execute("SELECT sum(i) FROM probe_auth").fetchone()[0] == 4950
    without_token = {k: v for k, v in temporary.items() if k != "AWS_SESSION_TOKEN"}
    with aws(without_token), _lake_connect(small_lake, read_only=True) as con:
        with pytest.raises(duckdb.Error, match="InvalidAccessKeyId"):
            con.execute("SELECT sum(i) FROM probe_auth").fetchone()


def test_a_missing_bucket_fails_the_first_write_with_s3s_reason(pg_server, s3_server):
    """ATTACH does not reach the store (the catalog is in PostgreSQL); the first Parquet file written does."""
    backend = Backend("ducklake", "postgres:" + pg_server.createdb("no_bucket"), "s3://no-such-bucket/monitor/")
    with aws(s3_server.env()), _lake_connect(backend) as con:
        with pytest.raises(duckdb.Error, match="NoSuchBucket"):
            warehouse.replace_table(con, "probe", pl.DataFrame({"i": range(100)}))
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake'").fetchone()[0] == 0


def test_expiring_snapshots_removes_their_files_from_the_bucket(small_lake, s3_server):
    """The retention SQL of docs/deployment.md ("Editions kept") on an object store: the old file is deleted."""
    with aws(s3_server.env()), _lake_connect(small_lake) as con:
        warehouse.replace_table(con, "probe_expire", pl.DataFrame({"v": ["old"] * 100}))
        old = {r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('lake', 'probe_expire')").fetchall()}
        warehouse.replace_table(con, "probe_expire", pl.DataFrame({"v": ["new"] * 100}))
        new = {r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('lake', 'probe_expire')").fetchall()}
        keys = set(s3_server.keys(BUCKET, "small/main/probe_expire/"))
        assert {f.removeprefix(f"s3://{BUCKET}/") for f in old | new} <= keys and not old & new
        con.execute("CALL ducklake_expire_snapshots('lake', older_than => now() + INTERVAL 1 SECOND)")
        con.execute("CALL ducklake_cleanup_old_files('lake', cleanup_all => true)")
        assert con.execute("SELECT list(DISTINCT v) FROM probe_expire").fetchone()[0] == ["new"]
    keys = set(s3_server.keys(BUCKET, "small/main/probe_expire/"))
    assert {f.removeprefix(f"s3://{BUCKET}/") for f in new} <= keys
    assert not {f.removeprefix(f"s3://{BUCKET}/") for f in old} & keys


# --- a full build ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_built(pg_server, s3_server, tmp_path_factory):
    """`monitor build` (the in-process build a user runs) on DuckLake: catalog in PostgreSQL, data in the bucket."""
    if BUCKET not in {b["Name"] for b in s3_server.client().list_buckets()["Buckets"]}:
        s3_server.create_bucket(BUCKET)
    dirs = make_dirs(tmp_path_factory.mktemp("lake_s3"))
    backend = Backend("ducklake", "postgres:" + pg_server.createdb("monitor_s3"), f"s3://{BUCKET}/warehouse/")
    env = {k: v for k, v in dirs.env().items() if not k.startswith("AWS_")} | s3_server.env() | {
        backends.ENV: f"ducklake:{backend.catalog}", backends.DATA_PATH_ENV: backend.data_path}
    result = subprocess.run([str(MONITOR), "build"], env=env, cwd=dirs.root, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, f"monitor build on S3 failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    assert f"(data: {backend.data_path})" in result.stdout + result.stderr  # the console prints to stderr when piped
    return dirs, backend


@pytest.mark.slow
@pytest.mark.timeout(2400)  # with its fixtures: the embedded build and the build on the lake
def test_a_build_with_its_data_on_s3_publishes_what_the_embedded_build_does(s3_built, built):
    dirs, backend = s3_built
    assert _canonical(dirs.output / "monitor.duckdb") == _canonical(built.output / "monitor.duckdb")
    for name in ("monitor.html", "monitor.en.html"):
        assert (dirs.output / name).stat().st_size > 0


@pytest.mark.slow
def test_the_build_wrote_its_parquet_to_the_bucket_and_nothing_local(s3_built, s3_server):
    dirs, backend = s3_built
    keys = set(s3_server.keys(BUCKET, "warehouse/"))
    assert keys and all(k.endswith(".parquet") for k in keys)
    with aws(s3_server.env()), _lake_connect(backend, read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall()]
        tables = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        listed = {name: {r[0] for r in con.execute("SELECT data_file FROM ducklake_list_files('lake', ?)", [name]).fetchall()}
                  for name in tables}
    # every file the catalog lists is an object in the bucket; every table written in bulk with more rows than DuckLake
    # inlines has files there (the registers, written row by row, and tables of <= 10 rows are in the catalog)
    assert {f.removeprefix(f"s3://{BUCKET}/") for files in listed.values() for f in files} <= keys
    with_files = {name for name, files in listed.items() if files}
    assert with_files <= {name for name, rows in tables.items() if rows > INLINED}
    assert {name for name, rows in tables.items() if rows > INLINED and not name.startswith("raw_monitor__")} <= with_files
    assert {"raw_cbs__observations", "mart__headline_checks"} <= with_files
    # nothing written to a local lake: no data folder, no Parquet under the work folder, no embedded file
    assert not (dirs.work / "lake").exists() and not (dirs.work / "warehouse.duckdb").exists()
    assert not list(dirs.work.rglob("*.parquet"))


@pytest.mark.slow
def test_a_read_only_reader_sees_the_tables_from_the_bucket(s3_built, s3_server, built):
    """An analyst's attach (READ_ONLY, no DATA_PATH: the catalog holds it): rows read from the Parquet in the bucket
    equal those of the embedded build's working warehouse; writing is refused."""
    dirs, backend = s3_built
    query = "SELECT count(*), sum(hash(t)) FROM {} t"
    with aws(s3_server.env()), _lake_connect(backend, read_only=True) as con:
        assert con.execute("SELECT value FROM ducklake_options('lake') WHERE option_name = 'data_path'").fetchone()[0] \
            == backend.data_path
        lake = {t: con.execute(query.format(t)).fetchone() for t in ("raw_cbs__observations", "mart__figures_current")}
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE probe_reader AS SELECT 1 AS x")
    with duckdb.connect(str(built.work / "warehouse.duckdb"), read_only=True) as con:
        embedded = {t: con.execute(query.format(t)).fetchone() for t in lake}
    assert lake == embedded and all(rows > 0 for rows, _ in lake.values())
