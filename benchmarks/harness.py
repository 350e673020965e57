"""What every benchmark of `benchmarks/run.py` needs: a temporary clone of the repository with its own .venv, a
command measured in a fresh process (wall time and peak RSS), the machine it ran on, and medians.

Measuring: `measure()` starts `python benchmarks/harness.py --measure -- <command>` (this file), which runs the
command as its only child and reports the child's wall time and `ru_maxrss` (the peak RSS of the largest process
of the command's tree that it waited for: `monitor build` runs its steps in one process). The 1-minute load
average is read before and after: the machine may be shared, and wall times move with it; peak memory does not.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Clone:
    """A checkout of one commit in a temporary folder, with its own .venv (the repository is never touched)."""

    root: Path
    rev: str
    commit: str
    groups: tuple[str, ...] = ("bench",)
    env: dict = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.root / ".venv" / "bin" / "python"

    @property
    def monitor(self) -> Path:
        return self.root / ".venv" / "bin" / "monitor"

    def run_env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k != "VIRTUAL_ENV"}
        return env | {"PYTHONPATH": "", "PYTHONDONTWRITEBYTECODE": "1"} | self.env | extra


def make_clone(rev: str, parent: Path) -> Clone:
    """``git clone`` this repository at ``rev`` (committed code only) and sync its .venv from uv.lock."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], capture_output=True, text=True,
                            check=True).stdout.strip()
    root = parent / "repo"
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(REPO), str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", commit], check=True)
    clone = Clone(root, rev, commit)
    uv = REPO / ".bootstrap" / "bin" / "uv"
    env = clone.run_env(UV_PROJECT_ENVIRONMENT=str(root / ".venv"), UV_PYTHON=sys.executable,
                        UV_PYTHON_DOWNLOADS="never")
    if uv.exists():
        args = [str(uv), "sync", "--frozen", "--no-default-groups", "--quiet"] + [a for g in clone.groups for a in ("--group", g)]
        subprocess.run(args, cwd=root, env=env, check=True)
    else:  # bootstrap installs uv (or falls back to pip)
        subprocess.run([sys.executable, "bootstrap.py", "setup"], cwd=root, env=env, check=True)
    return clone


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="monitor-bench-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float
    returncode: int
    loadavg_1min: tuple[float, float]
    stdout_tail: str = ""
    stderr_tail: str = ""

    def as_dict(self) -> dict:
        return {"wall_s": round(self.wall_s, 3), "peak_rss_mb": round(self.peak_rss_mb, 1), "returncode": self.returncode,
                "loadavg_1min": list(self.loadavg_1min)}


def measure(command: list[str], *, cwd: Path, env: dict, timeout: float = 3600, check: bool = True) -> Measured:
    """Run ``command`` in a fresh process tree; its wall time and peak RSS."""
    load_before = os.getloadavg()[0]
    # its own process group, so that an interrupted benchmark stops the whole command (a build and its helpers)
    proc = subprocess.Popen([sys.executable, __file__, "--measure", "--", *command], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        raise
    load_after = os.getloadavg()[0]
    run = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    try:
        report = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"the measuring process failed: {run.stderr[-2000:]}") from None
    out = Measured(report["wall_s"], report["peak_rss_mb"], report["returncode"],
                   (round(load_before, 2), round(load_after, 2)), report["stdout_tail"], report["stderr_tail"])
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {out.returncode}) in {cwd}:\n{out.stderr_tail}\n{out.stdout_tail}")
    return out


def _measure_child(command: list[str]) -> int:
    t0 = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "peak_rss_mb": peak, "returncode": run.returncode,
                      "stdout_tail": run.stdout[-3000:], "stderr_tail": run.stderr[-3000:]}))
    return 0


def machine(python: Path) -> dict:
    """CPU, cores, RAM, OS, and the Python and DuckDB versions of the measured environment."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        ram_gb = None
    versions = subprocess.run([str(python), "-c", "import platform, duckdb, polars; "
                               "print(platform.python_version(), duckdb.__version__, polars.__version__)"],
                              capture_output=True, text=True).stdout.split()
    return {"cpu": cpu, "cpus": os.cpu_count(), "ram_gb": ram_gb, "platform": platform.platform(),
            "python": versions[0] if versions else None, "duckdb": versions[1] if len(versions) > 1 else None,
            "polars": versions[2] if len(versions) > 2 else None}


def summary(values: list[float]) -> dict:
    """Median, min, max and the number of runs."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3),
            "runs": len(values)}


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure" and sys.argv[2] == "--":
        sys.exit(_measure_child(sys.argv[3:]))
    print(__doc__)
    sys.exit(2)
