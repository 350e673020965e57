"""What `monitor` prints when its output is not a terminal (cron, CI logs), and ids it refuses before any request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import REPO_ROOT

MONITOR = str(Path(sys.executable).with_name("monitor"))


def _monitor(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MONITOR_SNAPSHOT_DIR=str(tmp_path / "snapshots"), MONITOR_WORK_DIR=str(tmp_path / "work"),
               MONITOR_CBS_BASE_URL="http://127.0.0.1:9/odata", COLUMNS="80")
    return subprocess.run([MONITOR, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_invalid_table_ids_are_refused_before_any_request(tmp_path):
    proc = _monitor(tmp_path, "fetch", "cbs", "abc/../x", "", "84545NED")
    assert proc.returncode == 1
    assert "'abc/../x' is not a StatLine table identifier" in proc.stderr
    assert "'' is not a StatLine table identifier" in proc.stderr
    assert "retrying" not in proc.stderr and "Fetching" not in proc.stderr  # nothing was requested
    assert not (tmp_path / "snapshots").exists()


def test_output_to_a_file_is_not_wrapped(tmp_path):
    proc = _monitor(tmp_path, "fetch", "cbs", "abc/../x")
    hint = ("give the table id as StatLine shows it (e.g. 84545NED), or no id for the whole table set "
            "(pipelines/sources/cbs/tables.yaml)")
    assert any(hint in line for line in proc.stderr.splitlines()), proc.stderr  # one line, not cut at 80 columns
