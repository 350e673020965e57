"""B1/B2: the cold `monitor build` against its floor, a no-op rebuild and a one-word report change against the
cold build.

Run from the repository root (``--repo`` measures another checkout's code, e.g. an older commit unpacked with
``git archive``; the environment is this one's)::

    .venv/bin/python benchmarks/build_cold_noop.py --repeat 3

Each round works in a fresh temporary copy of the checkout (pipelines/, sql/, data_contracts/, reports/,
data/snapshots/), so editing the report text never touches the repository:

- **floor**: a fresh process that imports dagster, great_expectations, altair, vl_convert, duckdb and polars and
  calls ``vl_convert.javascript_bundle()``: what any build pays before its first step;
- **cold**: `monitor build` with an empty work and output directory;
- **no-op**: `monitor build` again, nothing changed;
- **report change**: one word of a report chapter changed, `monitor build`.

Every time is the wall time of a fresh process; the 1-minute load average is read before each run (the machine
is shared). ``measure()`` returns the medians (benchmarks/run.py calls it). ``--steps`` also prints the slowest
Dagster steps of the last cold build (from the run's event log).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FLOOR = ("import dagster, great_expectations, altair, vl_convert, duckdb, polars; "
         "vl_convert.javascript_bundle()")
WORDS = ("arbeidsmigratie", "Arbeidsmigratie")  # the first chapter word swapped back and forth, one word per round


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _copy_checkout(repo: Path, root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_output", ".quarto")
    for part in ("pipelines", "sql", "data_contracts", "reports"):
        shutil.copytree(repo / part, root / part, ignore=ignore)
    for name in ("pyproject.toml", "uv.lock"):
        if (repo / name).exists():
            shutil.copy(repo / name, root / name)
    shutil.copytree(repo / "data" / "snapshots", root / "data" / "snapshots")
    return root


def _timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    load = load_average()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stderr[-3000:]}")
    return elapsed, load, proc


def _env(root: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root), MONITOR_WORK_DIR=str(root / "work"),
               MONITOR_OUTPUT_DIR=str(root / "output"), MONITOR_SNAPSHOT_DIR=str(root / "data" / "snapshots"))
    env.pop("DAGSTER_HOME", None)
    return env


def _change_one_word(root: Path, round_no: int) -> None:
    chapter = sorted((root / "reports" / "chapters").glob("*.qmd"))[0]
    text = chapter.read_text(encoding="utf-8")
    old, new = WORDS if round_no % 2 == 0 else WORDS[::-1]
    if old not in text:
        old, new = new, old
    chapter.write_text(text.replace(old, new, 1), encoding="utf-8")


def step_timings(work_dir: Path, top: int = 12) -> list[tuple[str, float]]:
    """The slowest steps of the newest run in ``work_dir``'s Dagster instance (seconds)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(work_dir / "dagster_home")) as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_step_stats(run.run_id)
    rows = sorted(((s.step_key, (s.end_time or 0) - (s.start_time or 0)) for s in stats), key=lambda r: -r[1])
    return rows[:top]


def measure(repeat: int = 3, repo: Path = HERE, steps: bool = False) -> dict:
    """Medians over ``repeat`` rounds; every run's time and load average are kept under ``runs``."""
    python = sys.executable
    runs: dict[str, list[tuple[float, float]]] = {"floor": [], "cold": [], "noop": [], "report_change": []}
    slowest = []
    for round_no in range(repeat):
        runs["floor"].append(_timed([python, "-c", FLOOR], HERE, dict(os.environ))[:2])
        with tempfile.TemporaryDirectory(prefix="build_bench_") as tmp:
            root = _copy_checkout(Path(repo), Path(tmp))
            env = _env(root)
            build = [python, "-m", "pipelines.cli.main", "build"]
            runs["cold"].append(_timed(build, root, env)[:2])
            if steps and round_no == repeat - 1:
                slowest = step_timings(root / "work")
            elapsed, load, proc = _timed(build, root, env)
            runs["noop"].append((elapsed, load))
            _change_one_word(root, round_no)
            runs["report_change"].append(_timed(build, root, env)[:2])
    med = {name: statistics.median(t for t, _ in values) for name, values in runs.items()}
    return {
        "repo": str(repo),
        "repeat": repeat,
        "median_s": med,
        "cold_vs_floor": med["cold"] / med["floor"],
        "noop_vs_cold": med["noop"] / med["cold"],
        "report_change_vs_cold": med["report_change"] / med["cold"],
        "runs": {name: [{"s": round(t, 2), "load1": la} for t, la in values] for name, values in runs.items()},
        "slowest_steps": [{"step": k, "s": round(s, 2)} for k, s in slowest],
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians are reported; default 3)")
    parser.add_argument("--repo", type=Path, default=HERE, help="checkout whose code is measured (default: this one)")
    parser.add_argument("--steps", action="store_true", help="also list the slowest Dagster steps of the last cold build")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = measure(args.repeat, args.repo.resolve(), args.steps)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    med = result["median_s"]
    print(f"code: {result['repo']}, {result['repeat']} rounds, {result['cpus']} CPUs")
    for name, values in result["runs"].items():
        times = ", ".join(f"{v['s']:.1f} s (load {v['load1']:.1f})" for v in values)
        print(f"  {name:14} median {med[name]:6.1f} s   runs: {times}")
    print(f"  B1 cold / floor        {result['cold_vs_floor']:.2f}x  (target <= 1.5x)")
    print(f"  B2 no-op / cold        {result['noop_vs_cold']:.3f}x  (target <= 0.1x)")
    print(f"  B2 report change / cold {result['report_change_vs_cold']:.2f}x  (target <= 0.3x)")
    for row in result["slowest_steps"]:
        print(f"    {row['s']:6.2f} s  {row['step']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
