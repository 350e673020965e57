"""Benchmark: the refresh of the published database while analysts read it, and file sizes across refreshes.

Needs a built working warehouse (`monitor build` first). Runs in a temporary directory; touches nothing else.

    .venv/bin/python benchmarks/refresh_swap.py [--refreshes 20]

Measures, per refresh: time to export the published database (`export_published_database`) and to release it
(`publish.release`: copy, fsync, rename); the size of the published file after each refresh; how many queries
a reader process that reconnects for every query completes meanwhile, and whether any failed. Then re-runs every
SQL model (CREATE OR REPLACE, as the model assets do on each build) on a copy of the working warehouse and records
its size, to see whether the working file grows across refreshes. Results: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.core.publish import release  # noqa: E402
from pipelines.definitions import warehouse_tables  # noqa: E402
from pipelines.publication.assets import DATABASE, export_published_database  # noqa: E402
from pipelines.settings import paths  # noqa: E402
from pipelines.transform.sql_models import build_order, discover  # noqa: E402

READER = r"""
import duckdb, os, sys, json
path, stop = sys.argv[1:3]
reads, errors = 0, []
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True) as con:
            con.execute("SELECT count(*), sum(value) FROM mart__figures_current").fetchone()
        reads += 1
    except Exception as exc:
        errors.append(repr(exc))
print(json.dumps({"reads": reads, "errors": errors[:3], "error_count": len(errors)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refreshes", type=int, default=20)
    args = parser.parse_args()
    work = paths().warehouse
    if not work.exists():
        sys.exit(f"{work} does not exist: run `monitor build` first")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        warehouse = root / "warehouse.duckdb"
        shutil.copyfile(work, warehouse)
        output = root / "output"

        def refresh() -> tuple[float, float, int]:
            staging = root / "staging" / uuid.uuid4().hex
            t0 = time.perf_counter()
            export_published_database(warehouse, staging / DATABASE, warehouse_tables)
            t1 = time.perf_counter()
            release(staging, output, [DATABASE], {})
            t2 = time.perf_counter()
            shutil.rmtree(staging)
            return t1 - t0, t2 - t1, (output / DATABASE).stat().st_size

        refresh()
        quiet = [refresh() for _ in range(args.refreshes)]  # no reader
        stop = root / "stop"
        reader = subprocess.Popen([sys.executable, "-c", READER, str(output / DATABASE), str(stop)],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t_start = time.perf_counter()
        runs = [refresh() for _ in range(args.refreshes)]
        elapsed = time.perf_counter() - t_start
        stop.touch()
        readers = json.loads(reader.communicate(timeout=60)[0])

        models = {m.name: m for m in discover()}
        order = build_order({m.name: m.references for m in models.values()})
        sizes = []
        for _ in range(args.refreshes):
            with duckdb.connect(str(warehouse)) as con:
                for name in order:
                    kind = "VIEW" if models[name].materialized == "view" else "TABLE"
                    con.execute(f'CREATE OR REPLACE {kind} "{name}" AS {models[name].sql}')
            sizes.append(warehouse.stat().st_size)

    for label, sample in (("without readers", quiet), ("with a reconnecting reader", runs)):
        export = [r[0] for r in sample]
        swap = [r[1] for r in sample]
        print(f"{label}: export median {statistics.median(export) * 1000:.0f} ms (max {max(export) * 1000:.0f}); "
              f"release (copy + fsync + rename) median {statistics.median(swap) * 1000:.1f} ms (max {max(swap) * 1000:.1f})")
    print(f"refreshes with the reader: {args.refreshes} in {elapsed:.2f} s")
    print(f"published file size after each of {2 * args.refreshes + 1} refreshes: "
          f"{sorted(set(r[2] for r in quiet + runs))} bytes")
    print(f"reconnecting reader: {readers['reads']} queries during the refreshes "
          f"({readers['reads'] / elapsed:.0f}/s), {readers['error_count']} errors")
    print(f"working warehouse after each re-run of the SQL models: min {min(sizes)}, max {max(sizes)} bytes "
          f"(first {sizes[0]}, last {sizes[-1]})")


if __name__ == "__main__":
    main()
