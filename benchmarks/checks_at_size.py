"""Benchmark: the contract checks of a CBS table at real size (3M observations), before and after.

The table is built directly in DuckDB (``generate_series``), shaped like CBS 85477NED in
``raw_cbs__observations``: ``--keys`` regions x ``--periods`` months x ``--measures`` measures, one row per
observation, every column of the shipped contract with values that pass each of its rules, plus the
``raw_snapshots__origins`` row its provenance rule reads. Then each route validates the table's contract
(``data_contracts/``) in a fresh subprocess, so its wall time and peak RSS are its own:

- ``after``: the current ``pipelines/validation/runner.py`` (GX's SQL engine in DuckDB);
- ``before``: ``runner.py`` as of commit ``BEFORE`` (GX's pandas engine on a full copy of the table),
  taken from git history into a temporary module.

``--hostile`` damages the table first (``damage``: a negative count, a duplicated key, a row without a
period, and one period of one series deleted); the checks must then fail and name those rows. The runs
alternate between the routes, ``--repeat`` times each; medians go to stdout with machine info and the load
average. Run:

    .venv/bin/python benchmarks/checks_at_size.py --keys 8000 --periods 130 --measures 3 --repeat 3

``--memory-limit 400MB`` runs the checks within that DuckDB memory limit (the build's default,
``pipelines/policy.py``; passed to the check processes as ``MONITOR_DUCKDB_MEMORY``), e.g. at several ``--keys`` to
see how time and memory grow with the rows:

    .venv/bin/python benchmarks/checks_at_size.py --routes after --memory-limit 400MB --repeat 1 --keys 2667
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TABLE = "raw_cbs__observations"
BEFORE = "f64fa02"  # the last commit with the pandas route
SNAPSHOT = "cbs/85477NED/85477NED_capture.json"
SHA256 = "ab" * 32

# Values per column of the contract (defaults by physical type below); k = key, p = period, m = measure.
VALUES = {
    "source_id": "'cbs'",
    "dataset_id": "'85477NED'",
    "indicator_id": "'banen_werknemers_m' || m",
    "measure": "'M00' || m",
    "measure_label": "'Banen van werknemers, maat ' || m",
    "breakdown": "'RegioS=GM' || lpad(k::VARCHAR, {width}, '0')",  # lpad cuts longer keys: {width} fits them all
    "dimensions": "'{\"RegioS\": \"GM' || lpad(k::VARCHAR, {width}, '0') || '\"}'",
    "dimension_labels": "'{\"RegioS\": \"Gemeente ' || k || '\"}'",
    "period_code": "strftime(start, '%Y') || 'MM' || strftime(start, '%m')",
    "period_type": "'month'",
    "period_start": "start",
    "period_end": "CAST(start + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)",
    "period_label": "strftime(start, '%Y %B')",
    "value": "CAST((k * 7 + p * 3 + m) % 5000 AS DOUBLE)",
    "unit": "'aantal'",
    "decimals": "0",
    "status": "'definitive'",
    "vintage": "'2026-11-01'",
    "snapshot_id": f"'{SNAPSHOT}'",
    "snapshot_sha256": f"'{SHA256}'",
    "source_row": "CAST(k * {periods} + p + 1 AS INTEGER)",
    "publisher": "'Centraal Bureau voor de Statistiek (CBS)'",
    "document_title": "'Banen van werknemers; regio (StatLine tabel 85477NED)'",
    "url": "'https://opendata.cbs.nl/ODataFeed/odata/85477NED'",
    "published": "'2026-11-01'",
    "how_obtained": "'api_capture'",
    "confidence": "'primary'",
    "from_snapshot_document": "true",
}


def build(con, keys: int, periods: int, measures: int) -> int:
    """Create ``raw_cbs__observations`` (keys x periods x measures rows) and its origin; returns the row count."""
    from pipelines.validation.contracts import load_contracts

    contract = load_contracts()[TABLE]
    width = str(max(4, len(str(keys - 1))))
    cols = ", ".join(f"CAST({VALUES.get(p['name'], 'NULL').replace('{periods}', str(periods)).replace('{width}', width)} "
                     f"AS {p['physicalType']}) AS {p['name']}" for p in contract.properties)
    con.execute(f"""CREATE OR REPLACE TABLE {TABLE} AS
        SELECT {cols} FROM (
            SELECT k, p, m, CAST(DATE '2014-01-01' + to_months(CAST(p AS INTEGER)) AS DATE) AS start
            FROM range({keys}) AS a(k), range({periods}) AS b(p), range({measures}) AS c(m))
        ORDER BY k, p, m""")
    con.execute(f"CREATE OR REPLACE TABLE raw_snapshots__origins AS SELECT '{SNAPSHOT}' AS snapshot_id, '{SHA256}' AS sha256")
    return con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]


def damage(con, keys: int) -> dict[str, str]:
    """Break the table in four ways (needs >= 4 keys, >= 110 periods); returns what the report must show, by rule."""
    neg, dup, no_period, gap = (f"RegioS=GM{k:04d}" for k in (keys // 8, keys * 4 // 7, keys // 3, keys * 7 // 9))
    con.execute(f"UPDATE {TABLE} SET value = -17 WHERE breakdown = '{neg}' AND period_code = '2020MM05' AND measure = 'M001'")
    con.execute(f"INSERT INTO {TABLE} SELECT * REPLACE (source_row + 1000000000 AS source_row) FROM {TABLE} "
                f"WHERE breakdown = '{dup}' AND period_code = '2016MM02' AND measure = 'M002'")
    con.execute(f"UPDATE {TABLE} SET period_code = NULL WHERE breakdown = '{no_period}' AND period_start = DATE '2018-03-01' "
                "AND measure = 'M000'")
    con.execute(f"DELETE FROM {TABLE} WHERE breakdown = '{gap}' AND period_code = '2022MM08' AND measure = 'M000'")
    row = con.execute(f"SELECT source_row FROM {TABLE} WHERE value = -17").fetchone()[0]
    first = con.execute(f"SELECT min(source_row) FROM {TABLE} WHERE breakdown = '{dup}' AND period_code = '2016MM02' "
                        "AND measure = 'M002'").fetchone()[0]
    missing = con.execute(f"SELECT source_row FROM {TABLE} WHERE period_code IS NULL").fetchone()[0]
    return {
        "counts_not_negative": f"snapshot_id='{SNAPSHOT}', source_row={row},",
        "primary key unique": f"snapshot_id='{SNAPSHOT}', source_row={first},",
        "one_figure_per_key": f"snapshot_id='{SNAPSHOT}', source_row={first},",
        "period_code: required": f"snapshot_id='{SNAPSHOT}', source_row={missing},",
        "every_period": f"breakdown='{gap}', frequency='month', missing_period='2022MM08'",
    }


def contract_with_series_rule():
    """The shipped contract plus a ``series_complete`` rule (a CBS series without a gap), as a contract would add it."""
    import dataclasses

    from pipelines.validation.contracts import Rule, load_contracts
    from pipelines.validation.sql_checks import compile_check

    contract = load_contracts()[TABLE]
    check = compile_check(TABLE, {"check": "series_complete", "series": ["indicator_id", "breakdown"]}, contract.columns)
    rule = Rule("every_period", "sql", "block", check.description, query=check.query, action=check.action, reads=(TABLE,))
    return dataclasses.replace(contract, rules=[*contract.rules, rule])


def _runner(route: str):
    """``runner.py`` of ``route``: the current one, or the one of commit ``BEFORE`` (from git history)."""
    sys.path.insert(0, str(REPO))
    if route == "after":
        from pipelines.validation import runner

        return runner
    import importlib.util

    source = subprocess.run(["git", "-C", str(REPO), "show", f"{BEFORE}:pipelines/validation/runner.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "runner_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("runner_before", path)
    runner = importlib.util.module_from_spec(spec)
    sys.modules["runner_before"] = runner  # dataclasses look their module up
    spec.loader.exec_module(runner)
    return runner


def _peak_rss_mb() -> int:
    """This process's peak RSS: VmHWM (Linux), which starts afresh at exec. Not ru_maxrss: Linux carries that over
    from the parent at fork, so every check process reported at least the RSS of the parent that had just built the
    table (1.1 GB at 1M rows, 2.7 GB at 3M, 8.3 GB at 10M, where VmHWM says 633, 728 and 746 MB)."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _child(route: str, database: str, mode: str) -> None:
    """Validate in this process with ``route``; print one JSON line. ``mode``: big, big+series or shipped."""
    import duckdb

    runner = _runner(route)
    from pipelines.validation.contracts import load_contracts

    limit = os.environ.get("MONITOR_DUCKDB_MEMORY")  # --memory-limit, passed on by _compare (the build's variable)
    con = duckdb.connect(database, read_only=True, config={"memory_limit": limit} if limit else {})
    contracts = load_contracts()
    if mode == "shipped":  # every contracted table of a built warehouse, in name order (the first pays GX's import)
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()").fetchall()}
        times = []
        for table in sorted(t for t in contracts if t in present):
            start = time.perf_counter()
            runner.validate_table(con, contracts[table])
            times.append(time.perf_counter() - start)
        print(json.dumps({"route": route, "tables": len(times), "first_s": round(times[0], 2),
                          "median_other_s": round(statistics.median(times[1:]), 3), "total_s": round(sum(times), 2),
                          "peak_rss_mb": _peak_rss_mb(), "failed": {}}))
        return
    contract = contract_with_series_rule() if mode == "big+series" else contracts[TABLE]
    runner.validate_table(con, contracts["raw_snapshots__origins"])  # warm-up: GX import and context, not counted
    start = time.perf_counter()
    report = runner.validate_table(con, contract)
    wall = time.perf_counter() - start
    failed = {r.rule.name: r.describe() for r in report.results if not r.passed}
    print(json.dumps({"route": route, "wall_s": round(wall, 2), "rows": report.rows, "rules": len(report.results),
                      "peak_rss_mb": _peak_rss_mb(), "failed": failed}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=8000)
    ap.add_argument("--periods", type=int, default=130)
    ap.add_argument("--measures", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--routes", default="before,after")
    ap.add_argument("--hostile", action="store_true")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit of the checking connection, e.g. 400MB (default: DuckDB's)")
    ap.add_argument("--shipped", metavar="WAREHOUSE", help="instead: per-table check cost on a built warehouse "
                    "(e.g. .monitor/warehouse.duckdb after `monitor build`)")
    ap.add_argument("--child", nargs=3, metavar=("ROUTE", "DATABASE", "SERIES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.shipped:
        _compare(args, args.shipped, "shipped", {})
        return
    import duckdb

    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="checks-at-size-") as tmp:
        database = str(Path(tmp) / "warehouse.duckdb")
        with duckdb.connect(database) as con:
            rows = build(con, args.keys, args.periods, args.measures)
            expected = damage(con, args.keys) if args.hostile else {}
        print(f"# {rows:,} rows ({args.keys} keys x {args.periods} periods x {args.measures} measures); "
              f"{'hostile' if args.hostile else 'clean'}", flush=True)
        _compare(args, database, "big+series" if args.hostile else "big", expected)


def _compare(args, database: str, mode: str, expected: dict[str, str]) -> None:
    """Run the routes alternately, ``--repeat`` times each, in fresh subprocesses; print each run and the medians."""
    print(f"# {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, DuckDB memory_limit "
          f"{args.memory_limit or 'DuckDB default'}", flush=True)
    runs: dict[str, list[dict]] = {r: [] for r in args.routes.split(",")}
    for _ in range(args.repeat):
        for route in runs:
            load = os.getloadavg()[0]
            env = {k: v for k, v in os.environ.items() if k != "MONITOR_DUCKDB_MEMORY"}  # only --memory-limit sets it
            env |= {"MONITOR_DUCKDB_MEMORY": args.memory_limit} if args.memory_limit else {}
            out = subprocess.run([sys.executable, __file__, "--child", route, database, mode],
                                 capture_output=True, text=True, cwd=REPO, env=env)
            if out.returncode:
                raise SystemExit(f"{route} failed:\n{out.stderr[-3000:]}")
            run = json.loads(out.stdout.strip().splitlines()[-1]) | {"load_1min": round(load, 2)}
            runs[route].append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "failed"} | {"failed_rules": sorted(run["failed"])}),
                  flush=True)
            for rule, text in expected.items():
                if text not in run["failed"].get(rule, ""):
                    print(f"  NOT SHOWN by {route}: rule {rule!r} with {text!r}", flush=True)
    key = "median_other_s" if mode == "shipped" else "wall_s"
    for route, items in runs.items():
        print(f"{route}: median {key} {statistics.median(r[key] for r in items):.3f} s, median peak RSS "
              f"{statistics.median(r['peak_rss_mb'] for r in items):.0f} MB, load {[r['load_1min'] for r in items]}")


if __name__ == "__main__":
    main()
