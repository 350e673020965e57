"""Incremental builds: after one full build in a temporary checkout, a build with nothing changed runs nothing and
says so, and a changed report chapter, contract, SQL model or snapshot rebuilds exactly what depends on it.

What "depends on it" is, is taken from the Dagster asset graph (``AssetSelection.downstream``), not from the
fingerprint code under test; the one rule stated here is that a raw table only waits for the snapshot manifest
``raw_snapshots__origins`` (it does not read it). The cases share one built checkout and run in order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.settings import REPO_ROOT

ORIGINS = "raw_snapshots__origins"
PUBLICATION = {"publication__database", "publication__report", "publication__validation_report", "publication__release"}


def _checkout(root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_output", ".quarto")
    for part in ("pipelines", "sql", "data_contracts", "reports"):
        shutil.copytree(REPO_ROOT / part, root / part, ignore=ignore)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(REPO_ROOT / name, root / name)
    shutil.copytree(REPO_ROOT / "data" / "snapshots", root / "data" / "snapshots")
    return root


def _monitor(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root), MONITOR_WORK_DIR=str(root / "work"),
               MONITOR_OUTPUT_DIR=str(root / "output"), MONITOR_SNAPSHOT_DIR=str(root / "data" / "snapshots"))
    env.pop("DAGSTER_HOME", None)
    return subprocess.run([sys.executable, "-m", "pipelines.cli.main", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1200)


def _state(root: Path) -> dict:
    return json.loads((root / "work" / "last_build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph():
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


def _in_build(graph) -> set:
    """What `monitor build` runs: the build_monitor job's assets (the edition partitions are built by
    `monitor edition publish`)."""
    from pipelines.definitions import build_job

    return build_job.selection.resolve(graph)


def _build_checks(graph) -> set:
    return {k for k in graph.asset_check_keys if k.asset_key in _in_build(graph)}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    root = _checkout(tmp_path_factory.mktemp("incremental"))
    proc = _monitor(root, "build")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def _downstream(graph, *names: str) -> set[str]:
    return {k.to_user_string() for k in dg.AssetSelection.assets(*names).downstream().resolve(graph) & _in_build(graph)}


def _checks_of(graph, assets: set[str]) -> set[str]:
    """The checks that read one of ``assets`` (their table or a table their rules read)."""
    return {f"{k.asset_key.to_user_string()}:{k.name}" for k in _build_checks(graph)
            if any(p.to_user_string() in assets for p in graph.get(k).parent_entity_keys)}


def _rebuild(root: Path) -> tuple[set[str], set[str], str]:
    before = _state(root)["run_id"]
    proc = _monitor(root, "build")
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = _state(root)
    assert state["run_id"] != before, proc.stderr[-2000:]
    return set(state["materialized"]), set(state["checked"]), proc.stderr


def test_the_first_build_ran_everything(checkout, graph):
    state = _state(checkout)
    assert set(state["materialized"]) == {k.to_user_string() for k in _in_build(graph)}
    assert len(state["checked"]) == len(_build_checks(graph))


def test_a_build_with_nothing_changed_runs_nothing_and_says_so(checkout):
    before = (checkout / "work" / "last_build.json").read_bytes()
    release = os.readlink(checkout / "output" / "current")
    proc = _monitor(checkout, "build")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Nothing changed since build" in proc.stderr
    assert (checkout / "work" / "last_build.json").read_bytes() == before
    assert os.readlink(checkout / "output" / "current") == release


def test_a_changed_report_chapter_renders_the_report_again_and_nothing_else(checkout):
    chapter = sorted((checkout / "reports" / "chapters").glob("*.qmd"))[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nEen zin erbij.\n", encoding="utf-8")
    previous = (checkout / "output" / "current").resolve()
    assets, checks, stderr = _rebuild(checkout)
    assert assets == {"publication__report", "publication__release"}
    assert checks == set()
    assert "inputs unchanged" in stderr  # what was skipped is said
    current = (checkout / "output" / "current").resolve()
    assert current != previous
    # the unchanged published files are the previous release's (hard links), the report is new
    assert (current / "monitor.duckdb").stat().st_ino == (previous / "monitor.duckdb").stat().st_ino
    assert (current / "validation" / "index.html").read_bytes() == (previous / "validation" / "index.html").read_bytes()
    assert "Een zin erbij." in (current / "monitor.html").read_text(encoding="utf-8")
    manifest = json.loads((current / "build.json").read_text(encoding="utf-8"))
    assert set(manifest["sha256"]) >= {"monitor.duckdb", "monitor.html", "validation/index.html"}


def test_a_changed_contract_checks_its_table_again_and_republishes(checkout, graph):
    from pipelines.validation.contracts import load_contracts

    contracts = load_contracts()
    by_file: dict[str, list[str]] = {}
    for table, contract in contracts.items():
        by_file.setdefault(contract.file, []).append(table)
    table = next(t for t, c in sorted(contracts.items()) if t.startswith("mart__") and by_file[c.file] == [t])
    path = REPO_ROOT / contracts[table].file
    target = checkout / path.relative_to(REPO_ROOT)
    target.write_text(target.read_text(encoding="utf-8") + "# reviewed again\n", encoding="utf-8")
    assets, checks, _ = _rebuild(checkout)
    # the check of that table; the published database (its descriptions come from the contracts) and what reads it
    assert checks == {f"{table}:contract"}
    assert assets == _downstream(graph, "publication__database") | {"publication__validation_report"}


def test_a_changed_sql_model_rebuilds_it_and_its_dependents_only(checkout, graph):
    model = "mart__posted_workers"
    path = checkout / "sql" / "marts" / f"{model}.sql"
    path.write_text("-- the same query, touched\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assets, checks, _ = _rebuild(checkout)
    expected = _downstream(graph, model)
    assert assets == expected and len(expected - PUBLICATION) >= 1
    assert checks == _checks_of(graph, expected)
    assert not any(a.startswith(("raw_", "stg_")) for a in assets)


def test_a_changed_snapshot_reloads_its_source_and_what_reads_it(checkout, graph):
    data = checkout / "data" / "snapshots" / "arbeidsinspectie" / "jaarplan_2019" / "toezichtsdomein_2019.csv"
    data.write_bytes(data.read_bytes() + b"\n")
    rehash = _monitor(checkout, "snapshots", "rehash", str(data))
    assert rehash.returncode == 0, rehash.stderr
    assets, checks, _ = _rebuild(checkout)
    readers_of_origins = [k.to_user_string() for k in graph.get(dg.AssetKey(ORIGINS)).child_keys
                          if not (graph.get(k).group_name or "").startswith("raw_")]
    expected = {ORIGINS} | _downstream(graph, "raw_arbeidsinspectie__observations", *readers_of_origins)
    assert assets == expected
    assert not any(a.startswith("raw_") for a in assets - {ORIGINS, "raw_arbeidsinspectie__observations"})
    assert checks == _checks_of(graph, expected)


def test_a_failed_build_records_nothing(checkout):
    path = checkout / "sql" / "marts" / "mart__posted_workers.sql"
    kept = path.read_text(encoding="utf-8")
    before = (checkout / "work" / "last_build.json").read_bytes()
    path.write_text("SELECT no_such_column FROM mart__figures\n", encoding="utf-8")
    try:
        proc = _monitor(checkout, "build")
    finally:
        path.write_text(kept, encoding="utf-8")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "no_such_column" in proc.stderr
    assert (checkout / "work" / "last_build.json").read_bytes() == before


def test_force_selects_everything(graph):
    from pipelines.cli.plan import plan_build
    from pipelines.core.fingerprints import input_files
    from pipelines.definitions import defs
    from pipelines.settings import paths

    plan = plan_build(defs, input_files(paths()), None, set())
    assert set(plan.assets) == {k.to_user_string() for k in _in_build(graph)}
    assert set(plan.checks) == _build_checks(graph)
    assert not plan.skipped_assets and not plan.reused_results
