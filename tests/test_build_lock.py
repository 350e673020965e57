"""Two builds at once: the second one says which build holds the warehouse and exits cleanly (or waits)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.core.build_lock import build_lock
from pipelines.core.errors import BuildLockHeld
from pipelines.settings import REPO_ROOT

HOLDER = """
import sys, time
from pathlib import Path
from pipelines.core.build_lock import build_lock
with build_lock(Path(sys.argv[1]), "monitor build (test holder)"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(work: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(work), str(seconds)], stdout=subprocess.PIPE, text=True,
                            cwd=REPO_ROOT)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_build_names_the_holder_and_changes_nothing(tmp_path):
    holder = _hold(tmp_path, 30)
    try:
        with pytest.raises(BuildLockHeld) as caught, build_lock(tmp_path, "monitor build"):
            pytest.fail("the lock was taken twice")
        message = str(caught.value)
        assert f"PID {holder.pid}" in message and "monitor build (test holder)" in message
        assert str(tmp_path) in message
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_build_is_free_at_once(tmp_path):
    holder = _hold(tmp_path, 30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with build_lock(tmp_path, "monitor build"):
        pass


def test_wait_takes_the_lock_when_the_holder_finishes(tmp_path):
    holder = _hold(tmp_path, 1.0)
    with pytest.raises(BuildLockHeld), build_lock(tmp_path, "monitor build"):
        pass  # held: without waiting it is refused
    with build_lock(tmp_path, "monitor build --wait", wait=30, poll=0.05) as path:
        assert f'"pid": {os.getpid()}' in path.read_text()
    assert holder.wait(timeout=10) == 0  # the holder finished its work normally


def test_cli_exits_cleanly_while_another_build_runs(tmp_path):
    holder = _hold(tmp_path / "work", 60)
    try:
        env = dict(os.environ, MONITOR_WORK_DIR=str(tmp_path / "work"), MONITOR_OUTPUT_DIR=str(tmp_path / "out"))
        proc = subprocess.run([str(Path(sys.executable).with_name("monitor")), "validate"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 1, proc.stderr
    assert f"PID {holder.pid}" in proc.stderr and "Another build holds the warehouse" in proc.stderr
    assert "Traceback" not in proc.stderr and "IOException" not in proc.stderr
    assert not (tmp_path / "out").exists()
