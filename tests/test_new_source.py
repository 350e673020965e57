"""Adding an observation source is adding its folder (plus its snapshots): a throwaway source, a copy of WagwEU
under a new name in a temporary checkout, reaches mart__figures without an edit to sql/, data_contracts/ or the
tests; a mart that leaves a source out stops the build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import REPO_ROOT

NEW = "wagweu2"


def _checkout(root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("pipelines", "sql", "data_contracts", "reports"):
        shutil.copytree(REPO_ROOT / part, root / part, ignore=ignore)
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(REPO_ROOT / "data" / "snapshots", root / "data" / "snapshots")
    # the new source: its folder ...
    source = root / "pipelines" / "sources" / NEW
    shutil.copytree(root / "pipelines" / "sources" / "wagweu", source, ignore=ignore)
    assets = source / "assets.py"
    assets.write_text(assets.read_text().replace('"wagweu"', f'"{NEW}"'))
    # ... and its snapshots (the same files, their origin naming the new source)
    snapshots = root / "data" / "snapshots" / NEW
    shutil.copytree(root / "data" / "snapshots" / "wagweu", snapshots)
    for sidecar in snapshots.rglob("*.origin.yaml"):
        text = sidecar.read_text()
        assert "source_id: wagweu\n" in text
        sidecar.write_text(text.replace("source_id: wagweu\n", f"source_id: {NEW}\n"))
    return root


def _validate(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root), MONITOR_WORK_DIR=str(root / "work"),
               MONITOR_OUTPUT_DIR=str(root / "output"), MONITOR_SNAPSHOT_DIR=str(root / "data" / "snapshots"))
    env.pop("DAGSTER_HOME", None)
    return subprocess.run([sys.executable, "-m", "pipelines.cli.main", "validate"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return _checkout(tmp_path_factory.mktemp("checkout"))


def test_a_new_source_folder_reaches_mart_figures(checkout):
    proc = _validate(checkout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with duckdb.connect(str(checkout / "work" / "warehouse.duckdb"), read_only=True) as con:
        raw = con.execute(f"SELECT count(*) FROM raw_{NEW}__observations").fetchone()[0]
        staged = con.execute(f"SELECT count(*) FROM stg_{NEW}__observations").fetchone()[0]
        figures = con.execute("SELECT count(*) FROM mart__figures WHERE source_id = ?", [NEW]).fetchone()[0]
        original = con.execute("SELECT count(*) FROM mart__figures WHERE source_id = 'wagweu'").fetchone()[0]
    assert raw == staged == figures == original > 0


def test_a_mart_that_leaves_a_source_out_stops_the_build(checkout):
    mart = checkout / "sql" / "marts" / "mart__observations.sql"
    kept = mart.read_text()
    sources = sorted(p.name for p in (checkout / "pipelines" / "sources").iterdir()
                     if (p / "assets.py").exists() and p.name != "common")
    mart.write_text("\nUNION ALL BY NAME\n".join(f"SELECT * FROM stg_{s}__observations" for s in sources if s != NEW))
    try:
        proc = _validate(checkout)
    finally:
        mart.write_text(kept)
    assert proc.returncode == 1
    assert "every_source_reaches_the_mart" in proc.stderr and f"source_id='{NEW}'" in proc.stderr
