"""Benchmark: fetch + load a >= 1M-row CBS-shaped table from a local replay server.

Ours: `capture_table` (v3 ODataFeed, nextLink paging, pages to the work area, manifest, verification) then the
`cbs_odata_capture` streaming loader into a DuckDB table, exactly as the raw asset does it (`replace_table` with
the loader appended, in one transaction, through `warehouse.connect`). Theirs: `cbsodata.get_data` (requests,
v3 Feed) then `pandas.DataFrame`. Both against the same synthetic server (tests/fakes/cbs_odata.py) in its own
process, each run in a fresh subprocess so peak RSS is its own; the sides alternate, `--repeat` times each.
Reported per run: wall time of fetch and load, the process's CPU time (user + sys) and peak RSS, and the load
average around the run (other work on the machine inflates wall time). Run:

    .bootstrap/bin/uv run --group bench python benchmarks/cbs_fetch_load.py --rows 1000000 --repeat 3
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
sys.path.insert(0, str(REPO))
TABLE = "99999NED"


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def ours(base_url: str) -> dict:
    from pipelines.core.observations import empty
    from pipelines.core.snapshots import SnapshotStore
    from pipelines.core.warehouse import connect, replace_table
    from pipelines.sources.cbs.odata.capture import capture_table
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import TableSpec
    from pipelines.sources.common import readers

    tmp = Path(tempfile.mkdtemp())
    t0, c0 = time.perf_counter(), _cpu()
    with Transport() as t:
        result = capture_table(TableSpec(TABLE), store_root=tmp / "store", work_dir=tmp / "work",
                               endpoints=Endpoints.resolve(base_url), transport=t)
    t1, c1 = time.perf_counter(), _cpu()
    snapshot = SnapshotStore(tmp / "store").read(result.snapshot_id)
    load = readers.loader(snapshot)
    with connect(tmp / "w.duckdb") as con:
        replace_table(con, "raw_cbs__observations", empty(), append=[lambda con, table: load(snapshot, con, table)])
        n = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
    t2, c2 = time.perf_counter(), _cpu()
    shutil.rmtree(tmp)
    return {"rows_fetched": result.rows, "observations": n, "pages": result.pages, "fetch_s": t1 - t0, "load_s": t2 - t1,
            "total_s": t2 - t0, "fetch_cpu_s": c1 - c0, "load_cpu_s": c2 - c1, "total_cpu_s": c2 - c0}


def theirs(base_url: str) -> dict:
    import cbsodata
    import pandas as pd

    cbsodata.options.use_https = False
    host = base_url.split("://", 1)[1]
    t0, c0 = time.perf_counter(), _cpu()
    data = cbsodata.get_data(TABLE, catalog_url=host)
    t1, c1 = time.perf_counter(), _cpu()
    df = pd.DataFrame(data)
    t2, c2 = time.perf_counter(), _cpu()
    return {"rows_fetched": len(data), "observations": int(df.shape[0]), "fetch_s": t1 - t0, "load_s": t2 - t1,
            "total_s": t2 - t0, "fetch_cpu_s": c1 - c0, "load_cpu_s": c2 - c1, "total_cpu_s": c2 - c0}


def _child(which: str, base_url: str) -> dict:
    import resource

    out = (ours if which == "ours" else theirs)(base_url)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _summary(runs: list[dict]) -> dict:
    keys = ["fetch_s", "load_s", "total_s", "total_cpu_s", "peak_rss_mb"]
    return {k: {"median": round(statistics.median(r[k] for r in runs), 2), "min": round(min(r[k] for r in runs), 2),
                "max": round(max(r[k] for r in runs), 2)} for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (they alternate)")
    parser.add_argument("--sides", default="ours,theirs")
    parser.add_argument("--child", choices=["ours", "theirs"])
    parser.add_argument("--base-url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.base_url)))
        return 0
    env = dict(os.environ, PYTHONPATH=str(REPO))
    from tests.fakes.cbs_odata import ServerProcess

    server = ServerProcess(REPO, "--rows", str(args.rows), "--page-size", str(args.page_size), seconds=7200)
    sides = args.sides.split(",")
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    try:
        base_url = server.base_url
        for _ in range(args.repeat):
            for which in sides:
                load_before = os.getloadavg()[0]
                run = subprocess.run([sys.executable, __file__, "--child", which, "--base-url", base_url], cwd=REPO, env=env,
                                     capture_output=True, text=True, timeout=1800)
                if run.returncode != 0:
                    print(run.stderr, file=sys.stderr)
                    return 1
                result = json.loads(run.stdout.strip().splitlines()[-1])
                result["loadavg_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                runs[which].append(result)
                print(which, json.dumps(result), file=sys.stderr, flush=True)
    finally:
        server.stop()
    import psutil

    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}
    print(json.dumps({"rows": args.rows, "page_size": args.page_size, "machine": machine,
                      "summary": {s: _summary(r) for s, r in runs.items()}, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
