"""The performance benchmarks B1-B5, with one command (see benchmarks/README.md):

    .venv/bin/python benchmarks/run.py                      # all five, 3 runs each, the committed HEAD
    .venv/bin/python benchmarks/run.py B1 B2 --repeat 3     # a subset
    .venv/bin/python benchmarks/run.py --quick              # every benchmark once, a 100,000-row table
    .venv/bin/python benchmarks/run.py --rev main --label before

Everything runs in a temporary clone of the repository at ``--rev`` (its own .venv from uv.lock, its own
.monitor/, output/ and data/snapshots/): the repository's snapshots and outputs are never touched.

- B1 cold `monitor build` (no .monitor/, no output/) vs its floor: a cold process importing dagster,
  great_expectations, altair, vl_convert, duckdb and polars and calling vl_convert.javascript_bundle().
- B2 a no-op rebuild, and a rebuild after a one-word change in the report text, vs the cold build.
- B3 a CBS table shaped like 85477NED (1,040,000 rows, 3 measures; served as 99477NED, an id the table set does not
  use, so the shipped 85477NED is left alone) added end to end: `monitor fetch cbs` from the
  local fake server (tests/fakes/cbs_odata.py, at 0.3 s and 0 s latency per request) plus the extra cost of the
  next `monitor build` (that build minus a build with nothing new), vs cbsodata 1.3.5 + pandas + a DuckDB table
  from the same server. Also fetch-only at 3M and 10M rows (``--rows``) for the slope; builds at the sizes in
  ``--build-rows``.
- B4 p95 latency of the ten example queries of docs/analysts.md on the published database, and of a filtered
  query on the published 85477NED-shaped table (after B3's build).
- B5 peak RSS of `monitor build` with that table (3.12M observations).

Results: a table on stdout and ``benchmarks/results/<label>-<UTC time>.json`` (machine, load average, every run).
Targets are in TARGETS; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import REPO, Clone, machine, make_clone, measure, percentile, remove, summary, temporary_folder  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.fakes.cbs_odata import ServerProcess, register_records, table_shaped_like_85477ned  # noqa: E402

TABLE = "99477NED"  # shaped like 85477NED (tests/fakes/cbs_odata.py); not its id: the real one is shipped
TARGETS = {
    "B1": "cold build <= 1.5 x floor",
    "B2": "no-op <= 0.1 x cold build; report-text change <= 0.3 x cold build",
    "B3": "ours >= 5 x faster at 0.3 s latency, >= 2 x at 0 s; peak RSS <= 1/3 of theirs",
    "B4": "p95 <= 50 ms",
    "B5": "peak RSS <= 1024 MB",
}
FLOOR = ("import dagster, great_expectations, altair, vl_convert, duckdb, polars; "
         "vl_convert.javascript_bundle()")


def log(message: str) -> None:
    print(f"[{datetime.now(timezone.utc):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- B1, B2 ------------------------------------------------------------------------------------------------------

def report_word_change(clone: Clone, n: int) -> Path:
    """Change one word of the report text (the first prose line of the first chapter) and say where."""
    chapter = sorted((clone.root / "reports" / "chapters").glob("*.qmd"))[0]
    lines = chapter.read_text(encoding="utf-8").splitlines(keepends=True)
    fenced, front = False, lines[:1] == ["---\n"]
    for i, line in enumerate(lines):
        if i and front and line.startswith("---"):
            front = False
            continue
        if line.startswith("```"):
            fenced = not fenced
        if front or fenced or not re.match(r"[A-Za-z]", line):
            continue
        words = line.split(" ")
        words[0] = f"{words[0]}{'x' * (n + 1)}"
        lines[i] = " ".join(words)
        chapter.write_text("".join(lines), encoding="utf-8")
        return chapter
    raise RuntimeError(f"no prose line found in {chapter}")


def b1_b2(clone: Clone, repeat: int) -> dict:
    runs = {"floor": [], "cold": [], "noop": [], "report_text": []}
    env = clone.run_env()
    for n in range(repeat):
        log(f"B1/B2 run {n + 1}/{repeat}: floor, cold build, no-op build, report-text change")
        runs["floor"].append(measure([str(clone.python), "-c", FLOOR], cwd=clone.root, env=env).as_dict())
        remove(clone.root / ".monitor")
        remove(clone.root / "output")
        runs["cold"].append(measure([str(clone.monitor), "build"], cwd=clone.root, env=env).as_dict())
        runs["noop"].append(measure([str(clone.monitor), "build"], cwd=clone.root, env=env).as_dict())
        chapter = report_word_change(clone, n)
        runs["report_text"].append(measure([str(clone.monitor), "build"], cwd=clone.root, env=env).as_dict())
        subprocess.run(["git", "-C", str(clone.root), "checkout", "-q", "--", str(chapter)], check=True)
        log("  " + ", ".join(f"{k} {v[-1]['wall_s']:.1f} s" for k, v in runs.items()))
    med = {k: summary([r["wall_s"] for r in v]) for k, v in runs.items()}
    mem = {k: summary([r["peak_rss_mb"] for r in v]) for k, v in runs.items()}
    cold = med["cold"]["median"]
    return {
        "B1": {"target": TARGETS["B1"], "floor_s": med["floor"], "cold_build_s": med["cold"], "cold_build_rss_mb": mem["cold"],
               "ratio": round(cold / med["floor"]["median"], 2), "met": cold / med["floor"]["median"] <= 1.5,
               "runs": {"floor": runs["floor"], "cold": runs["cold"]}},
        "B2": {"target": TARGETS["B2"], "cold_build_s": med["cold"], "noop_s": med["noop"], "report_text_s": med["report_text"],
               "noop_ratio": round(med["noop"]["median"] / cold, 2),
               "report_text_ratio": round(med["report_text"]["median"] / cold, 2),
               "met": med["noop"]["median"] / cold <= 0.1 and med["report_text"]["median"] / cold <= 0.3,
               "runs": {"noop": runs["noop"], "report_text": runs["report_text"]}},
    }


# -- B4 ----------------------------------------------------------------------------------------------------------

def example_queries() -> list[tuple[str, str]]:
    """(heading, SQL) of the ten example queries of docs/analysts.md: the first sql block under each heading of
    its section 'Ten example queries'."""
    text = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")
    section = text.split("## Ten example queries", 1)[1].split("\n## ", 1)[0]
    out = []
    for part in section.split("\n### ")[1:]:
        heading = part.splitlines()[0].strip()
        found = re.search(r"```sql\n(.*?)```", part, re.S)
        if found:
            out.append((heading, found.group(1).strip()))
    return out


def _b4_child(db: str, iterations: int, big_table: str | None) -> dict:
    """In the measured environment: each query once to warm up, then ``iterations`` timed runs (fetching every
    row), on one read-only connection, as an analyst would."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    queries = [(h, q) for h, q in (example_queries() if big_table is None else [])]
    if big_table:
        indicator, breakdown = con.execute(
            "SELECT indicator_id, breakdown FROM mart__figures_current WHERE dataset_id = ? AND breakdown <> '' "
            "ORDER BY indicator_id, breakdown LIMIT 1", [big_table]).fetchone()
        queries = [(f"one series of {big_table} ({indicator}, {breakdown})",
                    "SELECT period_code, value, status, vintage FROM mart__figures_current "
                    f"WHERE dataset_id = '{big_table}' AND indicator_id = '{indicator}' AND breakdown = '{breakdown}' "
                    "ORDER BY period_code")]
    out, pooled = [], []
    for heading, sql in queries:
        rows = len(con.execute(sql).fetchall())
        times = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        pooled += times
        out.append({"query": heading, "rows": rows, "p95_ms": round(percentile(times, 95), 2),
                    "median_ms": round(sorted(times)[len(times) // 2], 2)})
    return {"queries": out, "p95_all_ms": round(percentile(pooled, 95), 2)}


def b4(clone: Clone, iterations: int, big_table: str | None = None) -> dict:
    db = clone.root / "output" / "monitor.duckdb"
    args = [str(clone.python), str(Path(__file__).resolve()), "--b4-child", str(db), "--iterations", str(iterations)]
    if big_table:
        args += ["--big-table", big_table]
    load = os.getloadavg()[0]
    run = subprocess.run(args, cwd=clone.root, env=clone.run_env(), capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise RuntimeError(f"B4 queries failed:\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["loadavg_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    return result


# -- B3, B5 ------------------------------------------------------------------------------------------------------

def _theirs_child(base_url: str, db: str) -> dict:
    """cbsodata 1.3.5 (v3 Feed through requests) -> pandas.DataFrame -> a DuckDB table."""
    import cbsodata
    import duckdb
    import pandas as pd

    cbsodata.options.use_https = False
    data = cbsodata.get_data(TABLE, catalog_url=base_url.split("://", 1)[1])
    df = pd.DataFrame(data)
    con = duckdb.connect(db)
    con.register("df", df)
    con.execute(f"CREATE TABLE cbs_{TABLE.lower()} AS SELECT * FROM df")
    n = con.execute(f"SELECT count(*) FROM cbs_{TABLE.lower()}").fetchone()[0]
    con.close()
    return {"rows": n}


def fake_server(rows: int, latency: float) -> ServerProcess:
    """tests/fakes/cbs_odata.py in its own process (this repository's copy), pages of 10,000 rows."""
    return ServerProcess(REPO, "--shape", "85477NED", "--rows", str(rows), "--latency", str(latency),
                         "--page-size", "10000", seconds=14400)


def _drop_capture(clone: Clone) -> None:
    remove(clone.root / "data" / "snapshots" / "cbs" / TABLE)


def _register_file(clone: Clone) -> Path:
    return clone.root / "data_contracts" / "registers" / "indicators.yaml"


def register_synthetic_table(clone: Clone) -> None:
    """Registers the synthetic table's measures in the clone's indicator register (never in the repository's):
    without them the build is blocked, correctly, by the rule that every indicator in the data is registered.
    Only while the clone holds the table: a registered id that no figure carries blocks the build too."""
    from pipelines.registers import read_records

    register = _register_file(clone)
    held = {r.get("indicator_id") for r in read_records(register)}
    text = register.read_text(encoding="utf-8")
    new = [r for r in register_records(table_shaped_like_85477ned(table_id=TABLE)) if r["indicator_id"] not in held]
    if new:
        register.write_text(text.rstrip("\n") + "\n" + "".join(f"  - {json.dumps(r)}\n" for r in new), encoding="utf-8")


def b3_b5(clone: Clone, repeat: int, build_repeat: int, sizes: list[int], build_sizes: list[int],
          latencies: list[float], b4_iterations: int | None, in_progress: dict | None = None) -> dict:
    """``in_progress`` receives every run as it is measured (kept in the results file if the benchmark is stopped)."""
    env = clone.run_env()
    shipped_register = _register_file(clone).read_text(encoding="utf-8")
    build = [str(clone.monitor), "build"]
    out: dict = {"sizes": {}}
    for rows in sizes:
        servers = {lat: fake_server(rows, lat) for lat in latencies}
        built_with_table = False
        runs: dict = {"ours_fetch": {lat: [] for lat in latencies}, "theirs": {lat: [] for lat in latencies},
                      "build_before": [], "build_with_table": [], "b4_big": []}
        if in_progress is not None:
            in_progress[rows] = runs
        try:
            for n in range(repeat):
                with_build = rows in build_sizes and n < build_repeat
                log(f"B3 {rows:,} rows, run {n + 1}/{repeat}" + (" with the builds" if with_build else ", fetches only"))
                _drop_capture(clone)
                _register_file(clone).write_text(shipped_register, encoding="utf-8")
                if with_build:
                    if built_with_table:  # back to the state before the table arrived
                        measure(build, cwd=clone.root, env=env)
                        built_with_table = False
                    runs["build_before"].append(measure(build, cwd=clone.root, env=env).as_dict())
                for i, lat in enumerate(latencies):
                    fetched = measure([str(clone.monitor), "fetch", "cbs", TABLE, "--base-url", servers[lat].base_url],
                                      cwd=clone.root, env=env)
                    runs["ours_fetch"][lat].append(fetched.as_dict())
                    log(f"  ours fetch at {lat} s latency: {fetched.wall_s:.1f} s, {fetched.peak_rss_mb:.0f} MB")
                    if i < len(latencies) - 1:
                        _drop_capture(clone)
                if with_build:
                    register_synthetic_table(clone)
                    built = measure(build, cwd=clone.root, env=env, timeout=7200)
                    runs["build_with_table"].append(built.as_dict())
                    built_with_table = True
                    log(f"  build with the table: {built.wall_s:.1f} s, {built.peak_rss_mb:.0f} MB "
                        f"(before it: {runs['build_before'][-1]['wall_s']:.1f} s)")
                    if b4_iterations and rows == build_sizes[0]:
                        runs["b4_big"].append(b4(clone, b4_iterations, TABLE))
                for lat in latencies:
                    tmp = temporary_folder()
                    theirs = measure([str(clone.python), str(Path(__file__).resolve()), "--theirs-child",
                                      servers[lat].base_url, str(tmp / "theirs.duckdb")], cwd=clone.root, env=env)
                    remove(tmp)
                    runs["theirs"][lat].append(theirs.as_dict())
                    log(f"  theirs at {lat} s latency: {theirs.wall_s:.1f} s, {theirs.peak_rss_mb:.0f} MB")
        finally:
            for s in servers.values():
                s.stop()
            _drop_capture(clone)
            _register_file(clone).write_text(shipped_register, encoding="utf-8")
        out["sizes"][rows] = _b3_summary(rows, runs, latencies, bool(runs["build_with_table"]))
    return out


def _b3_summary(rows: int, runs: dict, latencies: list[float], with_build: bool) -> dict:
    wall = lambda rs: summary([r["wall_s"] for r in rs])  # noqa: E731
    rss = lambda rs: summary([r["peak_rss_mb"] for r in rs])  # noqa: E731
    result: dict = {"rows": rows, "observations": rows * 3, "runs": runs, "latency": {}}
    extra = None
    if with_build:
        before, after = wall(runs["build_before"]), wall(runs["build_with_table"])
        extra = round(after["median"] - before["median"], 3)
        result |= {"build_before_s": before, "build_with_table_s": after, "build_extra_s": extra,
                   "build_with_table_rss_mb": rss(runs["build_with_table"])}
    for lat in latencies:
        fetch, theirs = wall(runs["ours_fetch"][lat]), wall(runs["theirs"][lat])
        entry = {"ours_fetch_s": fetch, "ours_fetch_rss_mb": rss(runs["ours_fetch"][lat]), "theirs_s": theirs,
                 "theirs_rss_mb": rss(runs["theirs"][lat])}
        if extra is not None:
            ours = fetch["median"] + extra
            ours_rss = max(entry["ours_fetch_rss_mb"]["median"], result["build_with_table_rss_mb"]["median"])
            need = 5 if lat > 0 else 2
            entry |= {"ours_total_s": round(ours, 3), "ours_peak_rss_mb": ours_rss,
                      "speedup": round(theirs["median"] / ours, 2), "speedup_target": need,
                      "rss_ratio": round(ours_rss / entry["theirs_rss_mb"]["median"], 2),
                      "met": theirs["median"] / ours >= need and ours_rss <= entry["theirs_rss_mb"]["median"] / 3}
        result["latency"][str(lat)] = entry
    return result


# -- the table ---------------------------------------------------------------------------------------------------

def print_table(results: dict) -> None:
    b = results["benchmarks"]
    lines = ["| benchmark | measured (median) | target | met |", "|---|---|---|---|"]
    yes = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    if "B1" in b:
        r = b["B1"]
        lines.append(f"| B1 cold build / floor | {r['cold_build_s']['median']:.1f} s / {r['floor_s']['median']:.1f} s = "
                     f"{r['ratio']:.2f}x | <= 1.5x | {yes(r['met'])} |")
    if "B2" in b:
        r = b["B2"]
        lines.append(f"| B2 no-op / cold | {r['noop_s']['median']:.1f} s / {r['cold_build_s']['median']:.1f} s = "
                     f"{r['noop_ratio']:.2f}x | <= 0.1x | {yes(r['noop_ratio'] <= 0.1)} |")
        lines.append(f"| B2 report-text change / cold | {r['report_text_s']['median']:.1f} s = {r['report_text_ratio']:.2f}x "
                     f"| <= 0.3x | {yes(r['report_text_ratio'] <= 0.3)} |")
    if "B3" in b:
        for rows, r in b["B3"]["sizes"].items():
            for lat, e in r["latency"].items():
                fetch = f"fetch {e['ours_fetch_s']['median']:.1f} s ({e['ours_fetch_rss_mb']['median']:.0f} MB)"
                theirs = f"theirs {e['theirs_s']['median']:.1f} s ({e['theirs_rss_mb']['median']:.0f} MB)"
                if "speedup" in e:
                    lines.append(f"| B3 {int(rows):,} rows, {lat} s latency | {fetch} + build extra {r['build_extra_s']:.1f} s = "
                                 f"{e['ours_total_s']:.1f} s, peak {e['ours_peak_rss_mb']:.0f} MB; {theirs}; "
                                 f"{e['speedup']:.2f}x faster, {e['rss_ratio']:.2f}x their memory | >= {e['speedup_target']}x, "
                                 f"<= 0.33x | {yes(e['met'])} |")
                else:
                    lines.append(f"| B3 {int(rows):,} rows, {lat} s latency (fetch only) | {fetch}; {theirs} | "
                                 f"(slope) | no build at this size |")
    if "B4" in b:
        for part, r in b["B4"].items():
            if not isinstance(r, dict) or "queries" not in r:
                continue
            worst = max(r["queries"], key=lambda q: q["p95_ms"])
            lines.append(f"| B4 {part}: worst p95 of {len(r['queries'])} | {worst['p95_ms']:.1f} ms ({worst['query'][:50]}) "
                         f"| <= 50 ms | {yes(worst['p95_ms'] <= 50)} |")
    if "B5" in b and b["B5"].get("peak_rss_mb"):
        r = b["B5"]
        lines.append(f"| B5 build with {r['observations']:,} observations | {r['peak_rss_mb']['median']:.0f} MB peak RSS "
                     f"| <= 1024 MB | {yes(r['met'])} |")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmarks", nargs="*", metavar="B1..B5", help="which (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (medians are reported)")
    parser.add_argument("--quick", action="store_true", help="one run each, a 100,000-row table, 5 query runs")
    parser.add_argument("--rev", default="HEAD", help="the commit to measure (default HEAD; committed code only)")
    parser.add_argument("--label", default="run", help="names the results file, e.g. before / after")
    parser.add_argument("--rows", default="1040000,3000000,10000000", help="B3 table sizes (fetch at each)")
    parser.add_argument("--build-rows", default="1040000", help="B3 sizes at which the next build is measured too")
    parser.add_argument("--build-repeat", type=int, help="B3/B5: builds in the first N runs only (default: --repeat); "
                        "the fetches are measured in every run")
    parser.add_argument("--latencies", default="0.3,0", help="B3 seconds per request of the fake server")
    parser.add_argument("--iterations", type=int, default=30, help="B4 timed runs per query")
    parser.add_argument("--out", type=Path, help="results file (default benchmarks/results/<label>-<time>.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone (its path is printed)")
    parser.add_argument("--theirs-child", nargs=2, metavar=("BASE_URL", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--b4-child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--big-table", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.theirs_child:
        print(json.dumps(_theirs_child(*args.theirs_child)))
        return 0
    if args.b4_child:
        print(json.dumps(_b4_child(args.b4_child, args.iterations, args.big_table)))
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still write what was measured, remove the clone
    which = [b.upper() for b in args.benchmarks] or ["B1", "B2", "B3", "B4", "B5"]
    if unknown := sorted(set(which) - {"B1", "B2", "B3", "B4", "B5"}):
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}: choose from B1 B2 B3 B4 B5")
    repeat = 1 if args.quick else args.repeat
    sizes = [100_000] if args.quick else [int(x) for x in args.rows.split(",")]
    build_sizes = [100_000] if args.quick else [int(x) for x in args.build_rows.split(",") if x.strip()]
    if not {"B3", "B5"} & set(which):
        sizes = build_sizes = []
    elif "B3" not in which:  # B5 alone: the build at the first build size only
        sizes = build_sizes = build_sizes[:1]
    latencies = [float(x) for x in args.latencies.split(",")]
    iterations = 5 if args.quick else args.iterations
    started = datetime.now(timezone.utc)
    tmp = temporary_folder()
    log(f"cloning {args.rev} into {tmp}")
    clone = make_clone(args.rev, tmp)
    results = {"label": args.label, "rev": args.rev, "commit": clone.commit, "started_utc": started.isoformat(timespec="seconds"),
               "machine": machine(clone.python), "loadavg_1min_at_start": round(os.getloadavg()[0], 2),
               "repeat": repeat, "quick": args.quick, "targets": TARGETS, "benchmarks": {}}
    try:
        if {"B1", "B2"} & set(which):
            got = b1_b2(clone, repeat)
            results["benchmarks"].update({k: v for k, v in got.items() if k in which})
        if ("B4" in which or build_sizes) and not (clone.root / "output" / "monitor.duckdb").exists():
            log("building once (the state the other benchmarks start from)")
            measure([str(clone.monitor), "build"], cwd=clone.root, env=clone.run_env())
        if "B4" in which:
            log("B4: the ten example queries on the published database")
            results["benchmarks"]["B4"] = {"target": TARGETS["B4"], "shipped": b4(clone, iterations)}
        if sizes:
            build_repeat = min(repeat, args.build_repeat or repeat)
            results["B3_B5_runs_so_far"] = {}
            got = b3_b5(clone, repeat, build_repeat, sizes, build_sizes, latencies, iterations if "B4" in which else None,
                        results["B3_B5_runs_so_far"])
            del results["B3_B5_runs_so_far"]
            if "B3" in which:
                results["benchmarks"]["B3"] = {"target": TARGETS["B3"], **{k: v for k, v in got.items()}}
            first = got["sizes"].get(build_sizes[0]) if build_sizes else None
            if "B4" in which and first and first["runs"]["b4_big"]:
                big = first["runs"]["b4_big"]
                results["benchmarks"]["B4"][f"filtered query, {TABLE} at {build_sizes[0]:,} rows"] = {
                    "queries": [{"query": big[0]["queries"][0]["query"], "rows": big[0]["queries"][0]["rows"],
                                 "p95_ms": sorted(r["queries"][0]["p95_ms"] for r in big)[len(big) // 2],
                                 "p95_ms_per_run": [r["queries"][0]["p95_ms"] for r in big]}]}
            if "B5" in which and first and "build_with_table_rss_mb" in first:
                peak = first["build_with_table_rss_mb"]
                results["benchmarks"]["B5"] = {"target": TARGETS["B5"], "rows": first["rows"], "observations": first["observations"],
                                               "peak_rss_mb": peak, "met": peak["median"] <= 1024}
    finally:
        results["finished_utc"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        results["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2)
        out = args.out or REPO / "benchmarks" / "results" / f"{args.label}-{started:%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        log(f"results: {out}")
        if args.keep:
            log(f"clone kept: {clone.root}")
        else:
            remove(tmp)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
