"""Where the working warehouse lives: every difference between the warehouse backends is in this module.

``MONITOR_WAREHOUSE`` (or ``monitor build --warehouse``) selects the backend:

- unset, ``""`` or ``duckdb``: the embedded DuckDB file ``$MONITOR_WORK_DIR/warehouse.duckdb`` (the default; one
  writing process at a time, so the ``duckdb_warehouse`` pool has limit 1).
- ``ducklake:<catalog>``: a DuckLake whose catalog is
  ``postgres:dbname=monitor host=127.0.0.1 port=5432 user=...`` (PostgreSQL: several writing processes at once),
  ``sqlite:<file>`` (SQLite) or ``<file>`` (a DuckDB file, e.g. ``.monitor/catalog.ducklake``), with the table data
  as Parquet files under ``MONITOR_WAREHOUSE_DATA_PATH`` (default ``$MONITOR_WORK_DIR/lake/``; an ``s3://`` path
  uses the S3 settings of ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``
  and, for an S3-compatible server, ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``: ``_s3_secret``; tested against
  moto's S3 server, tests/test_ducklake_s3.py).

With DuckLake selected, the lake stands in for the working warehouse file: a connection to
``paths().warehouse`` (what ``WarehouseResource`` and every asset open) is an in-memory DuckDB with the lake
attached as ``lake`` and ``USE``d, so the same SQL models, contracts and checks run unchanged on it. Every other
DuckDB file (the published ``monitor.duckdb``, an edition's staging warehouse) stays a plain file.

Extensions come from the ``duckdb-extension-*`` wheels in site-packages and are ``LOAD``ed by path, never
``INSTALL``ed: nothing is downloaded at run time, and the wheels are built for exactly the pinned DuckDB.

What DuckLake does differently from the embedded file (measured with DuckDB 1.5.5, docs/deployment.md): no
indexes or constraints other than NOT NULL (the monitor uses neither); and several processes write at once, each
in its own snapshot-isolated transaction, so two transactions that both create the same object conflict at
COMMIT. The SQL model steps each created the macros they call (``CREATE OR REPLACE MACRO``, also when unchanged):
two such steps running at once (the multiprocess executor) conflict on the macro ("attempting to create scalar
... but this scalar_macro has been created by another transaction already"); the failed COMMIT ends the
transaction, and the ``ROLLBACK`` of the error path then failed with "cannot rollback - no transaction is
active", hiding the conflict (the mart__headline_checks failure of the first attempt). Hence ``create_macros``
(only a missing or changed macro is written), ``in_transaction`` (a conflicting commit is tried again) and
``rollback_quietly`` (keeps the error that matters).
"""

from __future__ import annotations

import importlib
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

ENV = "MONITOR_WAREHOUSE"
DATA_PATH_ENV = "MONITOR_WAREHOUSE_DATA_PATH"
LAKE = "lake"  # the name the lake is attached under in a warehouse connection

# extension -> the wheel (module) that ships it; the catalog kind -> the extension DuckLake needs for it
_WHEELS = {"ducklake": "duckdb_extension_ducklake", "postgres_scanner": "duckdb_extension_postgres_scanner",
           "sqlite_scanner": "duckdb_extension_sqlite_scanner", "httpfs": "duckdb_extension_httpfs"}
_CATALOG_EXTENSION = {"postgres": "postgres_scanner", "sqlite": "sqlite_scanner", "duckdb": None}
# data paths that httpfs serves; the S3 secret (_s3_secret) is scoped to the first three. Only s3:// is tested
# (against moto's S3 server, tests/test_ducklake_s3.py)
_REMOTE = ("s3://", "s3a://", "s3n://", "gcs://", "gs://", "r2://", "http://", "https://")


class BackendError(ValueError):
    """MONITOR_WAREHOUSE names no backend this module knows, or an extension wheel is missing."""


@dataclass(frozen=True)
class Backend:
    kind: str  # "duckdb" (embedded file) or "ducklake"
    catalog: str = ""  # ducklake: what follows "ducklake:" in the ATTACH string
    data_path: str = ""  # ducklake: DATA_PATH (a local folder ending in "/", or s3://bucket/prefix/)

    @property
    def is_lake(self) -> bool:
        return self.kind == "ducklake"

    @property
    def catalog_kind(self) -> str:
        """``postgres``, ``sqlite`` or ``duckdb`` (a DuckDB file as catalog)."""
        head = self.catalog.split(":", 1)[0]
        return head if head in ("postgres", "sqlite") else "duckdb"

    @property
    def concurrent_writers(self) -> bool:
        """Several processes may write at once: DuckLake with its catalog in a database server. A DuckDB-file
        catalog (and the embedded file) is locked by its one writing process; a SQLite catalog serialises every
        writer on its file lock and answers a second one "database is locked"."""
        return self.is_lake and self.catalog_kind == "postgres"

    @property
    def pool_limit(self) -> int | None:
        """The ``duckdb_warehouse`` pool limit for this backend (None: not limited)."""
        return None if self.concurrent_writers else 1

    def describe(self) -> str:
        """For messages and build records; hides a password in a PostgreSQL connection string."""
        if not self.is_lake:
            return "duckdb (embedded file)"
        catalog = re.sub(r"password=\S+", "password=***", self.catalog)
        return f"ducklake:{catalog} (data: {self.data_path})"

    def extensions(self) -> list[str]:
        if not self.is_lake:
            return []
        names = ["ducklake"]
        if _CATALOG_EXTENSION[self.catalog_kind]:
            names.append(_CATALOG_EXTENSION[self.catalog_kind])
        if self.data_is_remote:
            names.append("httpfs")
        return names

    @property
    def data_is_remote(self) -> bool:
        """The data path is a URL that httpfs serves (object store or HTTP), not a local folder."""
        return self.is_lake and self.data_path.startswith(_REMOTE)

    def attach_statement(self, alias: str, read_only: bool) -> str:
        options = [f"DATA_PATH {_literal(self.data_path)}"] if self.data_path and not read_only else []
        if read_only:
            options.append("READ_ONLY")
        opts = f" ({', '.join(options)})" if options else ""
        return f"ATTACH {_literal('ducklake:' + self.catalog)} AS {alias}{opts}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse(spec: str | None, work_dir: Path, data_path: str | None = None) -> Backend:
    """The backend ``spec`` names (MONITOR_WAREHOUSE's grammar, module docstring)."""
    spec = (spec or "").strip()
    if spec in ("", "duckdb"):
        return Backend("duckdb")
    if not spec.startswith("ducklake:") or not spec.removeprefix("ducklake:").strip():
        raise BackendError(f"{ENV}={spec!r}: expected 'duckdb' or 'ducklake:<catalog>' (postgres:<libpq "
                           "connection string>, sqlite:<file> or a DuckDB file)")
    catalog = spec.removeprefix("ducklake:").strip()
    head, _, rest = catalog.partition(":")
    if head in ("sqlite",):
        catalog = f"sqlite:{Path(rest).expanduser().resolve()}"
    elif head != "postgres":
        catalog = str(Path(catalog).expanduser().resolve())
    data = (data_path or "").strip() or str(Path(work_dir) / "lake")
    if "://" not in data:
        data = str(Path(data).expanduser().resolve())
    return Backend("ducklake", catalog, data.rstrip("/") + "/")


def selected() -> Backend:
    """The backend the environment selects (read at call time: tests and `monitor build --warehouse` set it)."""
    from pipelines.settings import paths

    return parse(os.environ.get(ENV), paths().work_dir, os.environ.get(DATA_PATH_ENV))


def _lake_for(path: Path) -> Backend | None:
    """The lake that stands in for ``path``: the selected DuckLake when ``path`` is the working warehouse."""
    from pipelines.settings import paths

    backend = selected()
    if not backend.is_lake:
        return None
    return backend if Path(path).resolve() == paths().warehouse.resolve() else None


def extension_file(name: str) -> Path:
    """The extension file shipped by its wheel, for the DuckDB that runs."""
    wheel = _WHEELS[name]
    try:
        module = importlib.import_module(wheel)
    except ImportError as exc:
        raise BackendError(f"The DuckDB extension {name} is not installed (the wheel {wheel.replace('_', '-')} "
                           "is in pyproject.toml: `python3 bootstrap.py setup`)") from exc
    found = Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not found.is_file():
        have = sorted(p.parent.name for p in (Path(module.__file__).parent / "extensions").glob(f"v*/{name}.duckdb_extension"))
        raise BackendError(f"The wheel {wheel} has no {name} extension for DuckDB {duckdb.__version__} (it has "
                           f"{have}): move duckdb and the duckdb-extension-* wheels together (docs/stack.md)")
    return found


def load_extensions(con: duckdb.DuckDBPyConnection, backend: Backend) -> None:
    con.execute("SET autoinstall_known_extensions = false")  # never download one at run time
    for name in backend.extensions():
        con.execute(f"LOAD {_literal(str(extension_file(name)))}")
    if "httpfs" in backend.extensions():
        _s3_secret(con)


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """An S3 secret from the usual AWS variables: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_SESSION_TOKEN`` (temporary credentials: an assumed role), ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``) and,
    for an S3-compatible server, ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` (as the AWS CLI reads them):
    DuckDB takes the endpoint without its scheme, path-style URLs, and SSL only for an https:// endpoint.
    No credential chain (instance profile, ~/.aws files, SSO): that needs DuckDB's aws extension, not shipped here.
    Tested against moto's S3 server (tests/test_ducklake_s3.py), not against AWS or MinIO."""
    settings = {"KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID"), "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                "SESSION_TOKEN": os.environ.get("AWS_SESSION_TOKEN"),
                "REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")}
    endpoint = (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "").strip()
    if endpoint:
        if not re.match(r"^https?://.", endpoint):  # the scheme decides USE_SSL: no guessing
            raise BackendError(f"S3 endpoint {endpoint!r} (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL): expected a URL "
                               "that starts with http:// or https://")
        settings["ENDPOINT"] = re.sub(r"^https?://", "", endpoint).rstrip("/")
        settings["URL_STYLE"] = "path"
        settings["USE_SSL"] = "true" if endpoint.startswith("https://") else "false"
    body = ", ".join(f"{k} {v if k == 'USE_SSL' else _literal(v)}" for k, v in settings.items() if v)
    con.execute(f"CREATE OR REPLACE SECRET monitor_lake_s3 (TYPE s3{', ' + body if body else ''})")


def open_connection(path: Path, read_only: bool = False, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``: the file itself, or, when it is the working warehouse and DuckLake is selected,
    an in-memory DuckDB with the lake attached as ``lake`` and in use (``warehouse.connect``). ``config``: DuckDB
    settings of the connection (the policy's memory limit), the same on both backends."""
    backend = _lake_for(path)
    if backend is None:
        if not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    if not backend.data_is_remote and not read_only:
        Path(backend.data_path).mkdir(parents=True, exist_ok=True)
    # in memory, DuckDB would spill to ./.tmp of whatever folder the step runs in: beside the warehouse instead
    con = duckdb.connect(":memory:", config=(config or {}) | {"temp_directory": str(Path(path).with_suffix(".tmp"))})
    try:
        load_extensions(con, backend)
        _attach_lake(con, backend, LAKE, read_only)
        con.execute(f"USE {LAKE}")
    except Exception:
        con.close()
        raise
    return con


def _attach_lake(con: duckdb.DuckDBPyConnection, backend: Backend, alias: str, read_only: bool, attempts: int = 8) -> None:
    """ATTACH the lake. The first ATTACH of an empty catalog creates DuckLake's metadata tables; two processes doing
    that at once (the first steps of a multiprocess build on a new catalog) race, and the loser fails with
    "Failed to initialize DuckLake: ... already exists" / "duplicate key": it waits and attaches the catalog the
    winner made."""
    for attempt in range(1, attempts + 1):
        try:
            con.execute(backend.attach_statement(alias, read_only))
            return
        except duckdb.Error as exc:
            text = str(exc)
            racing = "Failed to initialize DuckLake" in text and ("already exists" in text or "duplicate key" in text)
            if not racing or attempt == attempts:
                raise
            time.sleep(random.uniform(0.1, 0.5) * attempt)


def attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str, read_only: bool = True) -> None:
    """Attach the database at ``path`` to ``con`` as ``alias`` (the lake when ``path`` is the working warehouse)."""
    backend = _lake_for(path)
    if backend is None:
        con.execute(f"ATTACH {_literal(str(path))} AS {alias}{' (READ_ONLY)' if read_only else ''}")
        return
    load_extensions(con, backend)
    _attach_lake(con, backend, alias, read_only)


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK on an error path. When the error was a failed COMMIT (DuckLake: a write conflict or a refused
    commit) DuckDB has already ended the transaction and ROLLBACK itself raises "no transaction is active",
    which would replace the error that matters; that one is kept."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass


def create_macros(con: duckdb.DuckDBPyConnection, statements: Sequence[str]) -> int:
    """Run the ``CREATE OR REPLACE MACRO name(...)`` statements whose macro the database in use does not hold
    with the same definition (compared as DuckDB normalises it, through a TEMP copy). An unchanged macro is not
    written again, so steps running at once do not conflict on it. Returns how many were written."""
    written = 0
    for statement in statements:
        match = re.search(r"CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)", statement, re.IGNORECASE)
        if match is None:
            con.execute(statement)
            written += 1
            continue
        name = match.group(1)
        query = ("SELECT list(macro_definition ORDER BY macro_definition) FROM duckdb_functions() WHERE function_name = ? "
                 "AND function_type IN ('macro', 'table_macro') AND database_name = ? AND schema_name = 'main'")
        held = con.execute(query, [name, con.execute("SELECT current_database()").fetchone()[0]]).fetchone()[0]
        if held:
            con.execute(statement[:match.start()] + f"CREATE OR REPLACE TEMP MACRO {name}" + statement[match.end():])
            wanted = con.execute(query, [name, "temp"]).fetchone()[0]
            con.execute(f"DROP MACRO temp.main.{name}")
            if wanted == held:
                continue
        con.execute(statement)
        written += 1
    return written


def in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], object], attempts: int = 5):
    """``work()`` in one transaction, committed; rolled back on an error. A COMMIT that fails on a write
    conflict with another process (DuckLake) is tried again, the whole of ``work``, after a short random wait."""
    for attempt in range(1, attempts + 1):
        con.execute("BEGIN")
        try:
            result = work()
            con.execute("COMMIT")
            return result
        except duckdb.TransactionException as exc:
            rollback_quietly(con)
            if "conflict" not in str(exc).lower() or attempt == attempts:
                raise
            time.sleep(random.uniform(0.05, 0.25) * attempt)
        except Exception:
            rollback_quietly(con)
            raise
    raise AssertionError("unreachable")


def dagster_config(shipped: str, backend: Backend | None = None) -> str:
    """The Dagster instance config for ``backend``: the shipped one (pipelines/operations/dagster.yaml), whose
    ``default_limit: 1`` keeps the warehouse pool to one step at a time, without that limit when the backend takes
    several writing processes at once (DuckLake with a PostgreSQL catalog)."""
    backend = backend or selected()
    if backend.pool_limit is not None:
        return shipped
    lifted, n = re.subn(r"(?m)^(\s*)default_limit:\s*1\s*$",
                        r"\1# default_limit lifted: the warehouse is a DuckLake with a PostgreSQL catalog, which takes\n"
                        r"\1# several writing steps at once (pipelines/core/warehouse_backends.py)", shipped)
    if n != 1:
        raise BackendError("pipelines/operations/dagster.yaml no longer has one 'default_limit: 1' line to lift")
    return lifted


def stamp(path: Path) -> list | None:
    """What changes whenever another command writes the working warehouse: (size, mtime_ns) of the file; for a
    lake, its catalog and newest snapshot id. None: no warehouse yet."""
    backend = _lake_for(path)
    if backend is None:
        try:
            st = Path(path).stat()
        except FileNotFoundError:
            return None
        return [st.st_size, st.st_mtime_ns]
    try:
        con = open_connection(path, read_only=True)
    except duckdb.Error:
        return None
    try:
        snapshot = con.execute(f"SELECT max(snapshot_id) FROM {LAKE}.snapshots()").fetchone()[0]
    finally:
        con.close()
    return ["ducklake", backend.describe(), snapshot]
