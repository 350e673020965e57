"""Benchmark: the raw load, staging and marts with a large CBS table added (time, peak RSS, table sizes).

A synthetic CBS table (tests/fakes/cbs_odata.py ``big_table``: regions x 10 categories x 200 quarters, two
measures, so ``--rows 1560000`` is 3.1M observations, the size of 85477NED) is captured once from the local
replay server with the monitor's own client. Then, ``--repeat`` times, a fresh subprocess takes a copy of a built
warehouse (``--warehouse``, default ``.monitor/warehouse.duckdb`` after ``monitor build``) with every object
except the raw tables dropped, and does what ``monitor build`` does between the raw CBS asset and the checks:

1. ``raw_cbs__observations`` replaced by the shipped CBS rows plus the capture (the streaming loader, as the raw
   asset runs it) and the capture's row in ``raw_snapshots__origins``;
2. every SQL model of ``sql/staging`` and ``sql/marts`` created in build order, as its asset creates it.

Reported per run: seconds of each step, the process's peak RSS, the warehouse file's size after a CHECKPOINT,
the bytes each table or view holds (DuckDB blocks in use; a view holds none) and the load average. Run:

    .venv/bin/python benchmarks/marts_at_size.py --rows 1560000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TABLE = "99999NED"


def capture(base_url: str, store: Path) -> str:
    from pipelines.sources.cbs.odata.capture import capture_table
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import TableSpec

    with Transport() as t:
        result = capture_table(TableSpec(TABLE), store_root=store, work_dir=store.parent / "work",
                               endpoints=Endpoints.resolve(base_url), transport=t)
    return result.snapshot_id


def _blocks(con, name: str) -> int:
    return con.execute(f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{name}') WHERE block_id >= 0").fetchone()[0]


def build(warehouse: Path, store: Path, snapshot_id: str) -> dict:
    import duckdb

    from pipelines.core.snapshots import SnapshotStore
    from pipelines.core.warehouse import connect, replace_table
    from pipelines.sources.common import readers
    from pipelines.transform.sql_models import build_order, discover, macro_statements

    snapshot = SnapshotStore(store).read(snapshot_id)
    load = readers.loader(snapshot)
    models = {m.name: m for m in discover()}
    out: dict = {}
    # one connection per step, as each asset of a build opens its own
    with connect(warehouse) as con:
        t0 = time.perf_counter()
        shipped = con.execute("SELECT * FROM raw_cbs__observations").pl()
        replace_table(con, "raw_cbs__observations", shipped, append=[lambda c, t: load(snapshot, c, t)])
        con.execute("INSERT INTO raw_snapshots__origins BY NAME SELECT ? AS snapshot_id, ? AS sha256, 'cbs' AS source_id, "
                    "'cbs_odata_capture' AS reader, 'CBS' AS producer, 'Synthetische benchmarktabel' AS title, "
                    "'https://example.invalid' AS url, '2031-01-01' AS published, 'CBS (2031)' AS citation, "
                    "'CC BY 4.0' AS licence, 'api_capture' AS obtained", [snapshot.id, snapshot.sha256])
        out["raw_load_s"] = time.perf_counter() - t0
        out["observations"] = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
    with connect(warehouse) as con:
        for layer in ("staging", "marts"):
            t0 = time.perf_counter()
            for name in build_order({m.name: m.references for m in models.values()}):
                model = models[name]
                if model.layer != layer:
                    continue
                kind = "VIEW" if model.materialized == "view" else "TABLE"
                for statement in macro_statements(model.macros):
                    con.execute(statement)
                con.execute(f'CREATE OR REPLACE {kind} "{name}" AS\n{model.sql}')
            out[f"{layer}_s"] = time.perf_counter() - t0
        con.execute("CHECKPOINT")
        sizes = {}
        for name, kind in con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                      "WHERE table_schema = 'main' ORDER BY 1").fetchall():
            if name.endswith("__observations") or name.startswith("mart__figure"):
                rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                mb = 0.0 if kind == "VIEW" else _blocks(con, name) * con.execute(
                    "SELECT block_size FROM pragma_database_size()").fetchone()[0] / 2**20
                sizes[name] = {"kind": "view" if kind == "VIEW" else "table", "rows": rows, "mb": round(mb, 1)}
        out["tables"] = sizes
    out["file_mb"] = round(warehouse.stat().st_size / 2**20, 1)
    out["total_s"] = out["raw_load_s"] + out["staging_s"] + out["marts_s"]
    del duckdb
    return out


def base_warehouse(source: Path, target: Path) -> None:
    """A copy of ``source`` with the raw tables only (what the raw assets of a build leave behind)."""
    import duckdb

    with duckdb.connect(str(target)) as con:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        for (name,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src' "
                                   "AND table_schema = 'main' AND table_type = 'BASE TABLE' AND table_name LIKE 'raw\\_%' "
                                   "ESCAPE '\\' ORDER BY 1").fetchall():
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM src."{name}"')


def _child(args) -> dict:
    import resource

    if args.child == "capture":
        return {"snapshot_id": capture(args.base_url, Path(args.store))}
    out = build(Path(args.warehouse), Path(args.store), args.snapshot)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _run(env, *argv) -> dict:
    run = subprocess.run([sys.executable, __file__, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        sys.exit(run.stderr)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_560_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warehouse", type=Path, default=REPO / ".monitor" / "warehouse.duckdb",
                        help="a built warehouse (its raw tables are the base)")
    parser.add_argument("--child", choices=["capture", "build"])
    parser.add_argument("--base-url")
    parser.add_argument("--store")
    parser.add_argument("--snapshot")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args)))
        return 0
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} does not exist: run `monitor build` first (or pass --warehouse)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    tmp = Path(tempfile.mkdtemp(prefix="marts-at-size-"))
    sys.path.insert(0, str(REPO))
    from tests.fakes.cbs_odata import ServerProcess

    with ServerProcess(REPO, "--rows", str(args.rows), seconds=7200) as server:
        store = tmp / "store"
        snapshot = _run(env, "--child", "capture", "--base-url", server.base_url, "--store", str(store))["snapshot_id"]
    base = tmp / "base.duckdb"
    base_warehouse(args.warehouse, base)
    runs = []
    try:
        for _ in range(args.repeat):
            work = tmp / "w.duckdb"
            shutil.copyfile(base, work)
            load_before = os.getloadavg()[0]
            result = _run(env, "--child", "build", "--warehouse", str(work), "--store", str(store), "--snapshot", snapshot)
            result["loadavg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            runs.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
            work.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    import psutil

    keys = ["raw_load_s", "staging_s", "marts_s", "total_s", "peak_rss_mb", "file_mb"]
    summary = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}
    print(json.dumps({"rows": args.rows, "machine": machine, "median": summary, "tables": runs[-1]["tables"],
                      "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
