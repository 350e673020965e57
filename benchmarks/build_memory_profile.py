"""Where a `monitor build` spends its memory and time, step by step.

Runs `monitor build` (extra arguments are passed on, e.g. `--force`) in the checkout given by `--root` (default:
this repository), samples the RSS of the build's process tree every `--interval` seconds, and afterwards joins
the samples with the step start and end times Dagster recorded for the run (the checkout's Dagster home). Prints
the steps by their peak RSS (the highest sample while the step ran) and by wall time, and the build's own peak.

    .venv/bin/python benchmarks/build_memory_profile.py --root /tmp/clone -- --force

A diagnostic, not a benchmark with a target: B5 in `run.py` measures the build's peak RSS (ru_maxrss, exact);
this script samples, so a peak shorter than the interval can be missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the checkout's own folders, always (other MONITOR_ settings, e.g. MONITOR_DUCKDB_MEMORY, are passed on)
PATH_VARIABLES = ("MONITOR_OUTPUT_DIR", "MONITOR_WORK_DIR", "MONITOR_SNAPSHOT_DIR")


def sample(pid: int, interval: float, out: list[tuple[float, int]], stop: threading.Event) -> None:
    import psutil

    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in procs if p.is_running())
        except psutil.Error:
            break
        out.append((time.time(), rss))
        stop.wait(interval)


def step_times(root: Path) -> tuple[str, list[tuple[str, float, float]]]:
    """The newest run of the checkout's Dagster home (the build just made) and its steps' start and end times."""
    code = f"""
import json, dagster as dg
inst = dg.DagsterInstance.from_config({str(root / '.monitor' / 'dagster_home')!r})
runs = inst.get_runs(limit=1)
stats = inst.get_run_step_stats(runs[0].run_id)
print(json.dumps([runs[0].run_id, [[s.step_key, s.start_time, s.end_time] for s in stats if s.start_time and s.end_time]]))
"""
    got = subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", code], cwd=root, capture_output=True, text=True,
                         check=True)
    run, steps = json.loads(got.stdout.strip().splitlines()[-1])
    return run, [tuple(s) for s in steps]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to build (its .venv and .monitor/)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between RSS samples")
    parser.add_argument("--top", type=int, default=15, help="steps listed in each table")
    parser.add_argument("build_args", nargs="*", help="passed on to `monitor build` (after --)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    started = time.time()
    proc = subprocess.Popen([str(root / ".venv" / "bin" / "monitor"), "build", *args.build_args], cwd=root,
                            env={k: v for k, v in os.environ.items() if k not in PATH_VARIABLES})
    sampler = threading.Thread(target=sample, args=(proc.pid, args.interval, samples, stop), daemon=True)
    sampler.start()
    rc = proc.wait()
    stop.set()
    sampler.join()
    wall = time.time() - started
    if not samples:
        print("no samples", file=sys.stderr)
        return 1
    run_id, steps = step_times(root)
    rows = []
    for key, start, end in steps:
        inside = [rss for t, rss in samples if start <= t <= end]
        rows.append((key, end - start, max(inside) if inside else 0))
    peak = max(rss for _, rss in samples)
    print(f"monitor build {' '.join(args.build_args)}: rc {rc}, {wall:.1f} s, peak RSS (sampled) {peak / 2**20:,.0f} MB; "
          f"run {run_id}, {len(steps)} steps, load average {os.getloadavg()[0]:.2f}")
    print(f"\n{'step':<48} {'peak MB':>8} {'s':>7}")
    for key, secs, rss in sorted(rows, key=lambda r: -r[2])[:args.top]:
        print(f"{key:<48} {rss / 2**20:>8,.0f} {secs:>7.1f}")
    print(f"\n{'step (by time)':<48} {'peak MB':>8} {'s':>7}")
    for key, secs, rss in sorted(rows, key=lambda r: -r[1])[:args.top]:
        print(f"{key:<48} {rss / 2**20:>8,.0f} {secs:>7.1f}")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
