"""Benchmark: fetch + load a >= 1M-row CBS-shaped table from a local replay server.

Ours: `capture_table` (v3 ODataFeed, nextLink paging, pages to disk, manifest, verification) then the
`cbs_odata_capture` reader (polars) and a DuckDB table. Theirs: `cbsodata.get_data` (requests, v3 Feed) then
`pandas.DataFrame`. Both against the same synthetic server (tests/fakes/cbs_odata.py) in its own process, each
side in a fresh subprocess so peak RSS is its own. Run:

    .bootstrap/bin/uv run --group bench python benchmarks/cbs_fetch_load.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TABLE = "99999NED"


def ours(base_url: str) -> dict:
    import duckdb
    from pipelines.core.snapshots import SnapshotStore
    from pipelines.sources.cbs.odata.capture import capture_table
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import TableSpec
    from pipelines.sources.common import readers

    tmp = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    with Transport() as t:
        result = capture_table(TableSpec(TABLE), store_root=tmp / "store", work_dir=tmp / "work",
                               endpoints=Endpoints.resolve(base_url), transport=t)
    t1 = time.perf_counter()
    df = readers.read(SnapshotStore(tmp / "store").read(result.snapshot_id))
    with duckdb.connect(str(tmp / "w.duckdb")) as con:
        con.register("df", df.to_arrow())
        con.execute("CREATE TABLE raw_cbs__observations AS SELECT * FROM df")
        n = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
    t2 = time.perf_counter()
    return {"rows_fetched": result.rows, "observations": n, "fetch_s": t1 - t0, "load_s": t2 - t1, "total_s": t2 - t0,
            "pages": result.pages}


def theirs(base_url: str) -> dict:
    import cbsodata
    import pandas as pd

    cbsodata.options.use_https = False
    host = base_url.split("://", 1)[1]
    t0 = time.perf_counter()
    data = cbsodata.get_data(TABLE, catalog_url=host)
    t1 = time.perf_counter()
    df = pd.DataFrame(data)
    t2 = time.perf_counter()
    return {"rows_fetched": len(data), "observations": int(df.shape[0]), "fetch_s": t1 - t0, "load_s": t2 - t1, "total_s": t2 - t0}


def _child(which: str, base_url: str) -> dict:
    import resource

    out = (ours if which == "ours" else theirs)(base_url)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--child", choices=["ours", "theirs"])
    parser.add_argument("--base-url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.base_url)))
        return 0
    env = dict(os.environ, PYTHONPATH=str(REPO))
    server = subprocess.Popen([sys.executable, "-m", "tests.fakes.cbs_odata", "--rows", str(args.rows), "--page-size",
                               str(args.page_size), "--seconds", "1800"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().strip()
        results = {}
        for which in ("ours", "theirs"):
            run = subprocess.run([sys.executable, __file__, "--child", which, "--base-url", base_url], cwd=REPO, env=env,
                                 capture_output=True, text=True, timeout=1800)
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            results[which] = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    import psutil

    machine = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
               "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}
    print(json.dumps({"rows": args.rows, "page_size": args.page_size, "machine": machine, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
