"""Where the working warehouse lives: every difference between the warehouse backends is in this module.

``MONITOR_WAREHOUSE`` (or ``monitor build --warehouse``) selects the backend:

- unset, ``""`` or ``duckdb``: the embedded DuckDB file ``$MONITOR_WORK_DIR/warehouse.duckdb`` (the default; one
  writing process at a time, so the ``duckdb_warehouse`` pool has limit 1).
- ``ducklake:<catalog>``: a DuckLake whose catalog is
  ``postgres:dbname=monitor host=127.0.0.1 port=5432 user=...`` (PostgreSQL: several writing processes at once),
  ``sqlite:<file>`` (SQLite) or ``<file>`` (a DuckDB file, e.g. ``.monitor/catalog.ducklake``), with the table data
  as Parquet files under ``MONITOR_WAREHOUSE_DATA_PATH`` (default ``$MONITOR_WORK_DIR/lake/``; an ``s3://`` path
  uses the S3 settings of ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` and, for an
  S3-compatible server, ``AWS_ENDPOINT_URL``).

With DuckLake selected, the lake stands in for the working warehouse file: a connection to
``paths().warehouse`` (what ``WarehouseResource`` and every asset open) is an in-memory DuckDB with the lake
attached as ``lake`` and ``USE``d, so the same SQL models, contracts and checks run unchanged on it. Every other
DuckDB file (the published ``monitor.duckdb``, an edition's staging warehouse) stays a plain file.

Extensions come from the ``duckdb-extension-*`` wheels in site-packages and are ``LOAD``ed by path, never
``INSTALL``ed: nothing is downloaded at run time, and the wheels are built for exactly the pinned DuckDB.

What DuckLake does not do that the embedded file does (measured with DuckDB 1.5.5, docs/deployment.md):
indexes and constraints other than NOT NULL (the monitor uses neither); and a failed ``COMMIT`` (a write conflict,
or the catalog refusing it) ends the transaction, so a ``ROLLBACK`` after it fails with "cannot rollback - no
transaction is active" and hides the real error: ``rollback_quietly`` is the ROLLBACK of an error path.
"""

from __future__ import annotations

import importlib
import os
import re
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
        if self.data_path.startswith(("s3://", "s3a://", "gcs://", "gs://", "r2://", "http://", "https://")):
            names.append("httpfs")
        return names

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
    """An S3 secret from the usual AWS variables (an S3-compatible server: AWS_ENDPOINT_URL, path-style URLs)."""
    settings = {"KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID"), "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                "REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")}
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        settings["ENDPOINT"] = re.sub(r"^https?://", "", endpoint).rstrip("/")
        settings["URL_STYLE"] = "path"
        settings["USE_SSL"] = "true" if endpoint.startswith("https://") else "false"
    body = ", ".join(f"{k} {v if k == 'USE_SSL' else _literal(v)}" for k, v in settings.items() if v)
    con.execute(f"CREATE OR REPLACE SECRET monitor_lake_s3 (TYPE s3{', ' + body if body else ''})")


def open_connection(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``: the file itself, or, when it is the working warehouse and DuckLake is selected,
    an in-memory DuckDB with the lake attached as ``lake`` and in use (``warehouse.connect``)."""
    backend = _lake_for(path)
    if backend is None:
        if not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only)
    if not backend.data_path.startswith(("s3://", "gs://", "r2://", "http")) and not read_only:
        Path(backend.data_path).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        load_extensions(con, backend)
        con.execute(backend.attach_statement(LAKE, read_only))
        con.execute(f"USE {LAKE}")
    except Exception:
        con.close()
        raise
    return con


def attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str, read_only: bool = True) -> None:
    """Attach the database at ``path`` to ``con`` as ``alias`` (the lake when ``path`` is the working warehouse)."""
    backend = _lake_for(path)
    if backend is None:
        con.execute(f"ATTACH {_literal(str(path))} AS {alias}{' (READ_ONLY)' if read_only else ''}")
        return
    load_extensions(con, backend)
    con.execute(backend.attach_statement(alias, read_only))


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK on an error path. When the error was a failed COMMIT (DuckLake: a write conflict or a refused
    commit) DuckDB has already ended the transaction and ROLLBACK itself raises "no transaction is active",
    which would replace the error that matters; that one is kept."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass


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
