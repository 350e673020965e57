"""Embedded DuckDB file vs DuckLake: the full build, and raw loads in parallel (docs/deployment.md, issue 14).

    .venv/bin/python benchmarks/ducklake_build.py                 # builds once per backend, loads 3 times
    .venv/bin/python benchmarks/ducklake_build.py --builds 0      # only the loads
    .venv/bin/python benchmarks/ducklake_build.py --rows 4000000
    .venv/bin/python benchmarks/ducklake_build.py --loads 0 --only S3,embedded   # some builds, no loads

1. `monitor build` from the shipped snapshots, cold (fresh work and output folders), in this checkout's .venv, on
   (a) the embedded file, (b) DuckLake with a DuckDB-file catalog, (c) DuckLake with its catalog in a throwaway
   PostgreSQL (tests/pg_server.py), data in a local folder, (d) the same with the data in an object store: a bucket
   on moto's S3 server (tests/s3_server.py; `moto[server]` from the dev group) on 127.0.0.1. moto is a Python
   process serving the S3 API on the same 2 cores: (d) measures the object-store code path (httpfs, signed HTTP
   requests), not the speed of a real object store, whose latency is higher.
2. Two raw tables of ``--rows`` observation-like rows each (``replace_table`` with a streamed INSERT, as a CBS load
   does), loaded one after the other and by two processes at the same time: on the embedded file the second
   process cannot open the file while the first writes it (DuckDB's lock), so only the sequential time exists; on
   DuckLake + PostgreSQL the two run at once, with the data in a local folder and on moto's S3.

Prints a Markdown table (paste into RESULTS.md) with the machine, the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LOAD = """
import sys, time
from pathlib import Path
import polars as pl
from pipelines.core import warehouse
from pipelines.settings import paths
table, rows = sys.argv[1], int(sys.argv[2])
def fill(con, name):
    return con.execute(f'''INSERT INTO "{name}" SELECT range AS source_row, 'cbs' AS source_id, '85477NED' AS dataset_id,
        'ind_' || (range % 130) AS indicator_id, 'k' || (range % 8000) AS breakdown, (2000 + range % 25)::VARCHAR || 'KW0' || (1 + range % 4) AS period_code,
        (range * 0.37) % 1000 AS value, 'definitive' AS status FROM range({rows})''').fetchone()[0]
empty = pl.DataFrame(schema={"source_row": pl.Int64, "source_id": pl.String, "dataset_id": pl.String, "indicator_id": pl.String,
                             "breakdown": pl.String, "period_code": pl.String, "value": pl.Float64, "status": pl.String})
start = time.perf_counter()
with warehouse.connect(paths().warehouse) as con:
    n = warehouse.replace_table(con, table, empty, append=[fill])
print(f"{n} {time.perf_counter() - start:.3f}")
"""


def loadavg() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def build(env: dict, root: Path) -> float:
    shutil.copytree(REPO / "data" / "snapshots", root / "snapshots")
    env = env | {"MONITOR_OUTPUT_DIR": str(root / "output"), "MONITOR_WORK_DIR": str(root / "work"),
                 "MONITOR_SNAPSHOT_DIR": str(root / "snapshots"), "MONITOR_PUBLICATION_ENGINE": "offline"}
    start = time.perf_counter()
    result = subprocess.run([str(REPO / ".venv" / "bin" / "monitor"), "build"], env=env, cwd=root,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def loads(env: dict, work: Path, rows: int, parallel: bool) -> float:
    """Wall time of the two loads, from the start of the first process to the end of the last one (each process
    starts Python, imports polars and the pipeline code, and prints its own load time)."""
    env = env | {"MONITOR_WORK_DIR": str(work)}
    start = time.perf_counter()
    procs = []
    for table in ("raw_bench_a__observations", "raw_bench_b__observations"):
        proc = subprocess.Popen([sys.executable, "-c", LOAD, table, str(rows)], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not parallel:
            proc.wait()
        procs.append(proc)
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"load failed: {err[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    from tests.pg_server import start_server
    from tests.s3_server import start_server as start_s3

    parser = argparse.ArgumentParser()
    parser.add_argument("--builds", type=int, default=1)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--only", default="", help="comma-separated parts of the variant names to run (default all)")
    args = parser.parse_args()
    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    chosen = lambda name: not wanted or any(w in name.lower() for w in wanted)  # noqa: E731
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("MONITOR_", "AWS_")) and k != "DAGSTER_HOME"}
    tmp = Path(tempfile.mkdtemp(prefix="bench-ducklake-"))
    pg_root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    server = start_server(pg_root)
    try:
        s3 = start_s3(tmp / "moto.log")
        s3.create_bucket("bench-lake")
    except BaseException:
        server.stop()
        raise
    load_before = loadavg()

    def on_s3(catalog_db: str) -> dict:
        return s3.env() | {"MONITOR_WAREHOUSE": "ducklake:postgres:" + server.createdb(catalog_db),
                           "MONITOR_WAREHOUSE_DATA_PATH": f"s3://bench-lake/{catalog_db}/"}

    rows: list[tuple[str, str]] = []
    try:
        print(f"cores {os.cpu_count()}, load {loadavg()}", file=sys.stderr)
        backends = {"embedded file": lambda root: {},
                    "DuckLake, DuckDB-file catalog": lambda root: {"MONITOR_WAREHOUSE": f"ducklake:{root}/catalog.ducklake"},
                    "DuckLake, PostgreSQL catalog": lambda root: {
                        "MONITOR_WAREHOUSE": "ducklake:postgres:" + server.createdb(f"b{time.time_ns()}")},
                    "DuckLake, PostgreSQL catalog, data on moto S3": lambda root: on_s3(f"b{time.time_ns()}")}
        for name, extra in backends.items():
            if not chosen(name):
                continue
            times = []
            for i in range(args.builds):
                root = tmp / f"build-{len(rows)}-{i}"
                root.mkdir(parents=True)
                times.append(build(base | extra(root), root))
            if times:
                rows.append((f"cold `monitor build`, {name}", " / ".join(f"{t:.0f} s" for t in times)))
                print(rows[-1], file=sys.stderr)
        load_variants = {"embedded file": None,
                         "DuckLake, PostgreSQL catalog": lambda: {
                             "MONITOR_WAREHOUSE": "ducklake:postgres:" + server.createdb(f"l{time.time_ns()}")},
                         "DuckLake, PostgreSQL catalog, data on moto S3": lambda: on_s3(f"l{time.time_ns()}")}
        for name, lake_env in load_variants.items():
            if not chosen(name) or args.loads < 1:
                continue
            for parallel in ((False, True) if lake_env else (False,)):
                times = []
                for i in range(args.loads):
                    work = tmp / f"loads-{len(rows)}-{parallel}-{i}"
                    env = base | (lake_env() if lake_env else {})
                    times.append(loads(env, work, args.rows, parallel))
                how = "at once (2 processes)" if parallel else "one after the other"
                rows.append((f"2 x {args.rows:,} rows, {name}, {how}",
                             f"median {statistics.median(times):.1f} s ({', '.join(f'{t:.1f}' for t in times)})"))
                print(rows[-1], file=sys.stderr)
    finally:
        s3.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pg_root, ignore_errors=True)
    import duckdb

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, DuckDB {duckdb.__version__}, load average before "
          f"{load_before}, after {loadavg()}\n\n| measure | result |\n|---|---|")
    for measure, result in rows:
        print(f"| {measure} | {result} |")


if __name__ == "__main__":
    main()
