"""Freshness from the data and `monitor status`: one screen, a useful exit code, JSON for machines."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import dagster as dg

from pipelines.operations.freshness import FRESH, NEVER, STALE, UNKNOWN, judge
from pipelines.operations.status import collect
from tests.conftest import MONITOR


def test_freshness_is_judged_from_the_newest_period_and_the_sources_lag():
    assert judge("cbs", {"quarter": date(2024, 9, 30)}, date(2024, 12, 31)).state == FRESH
    stale = judge("cbs", {"quarter": date(2024, 9, 30)}, date(2025, 1, 9))
    assert stale.state == STALE and stale.next_due == date(2025, 1, 8) and "2025-01-08" in stale.detail
    assert judge("cbs", {"year": date(2024, 12, 31)}, date(2025, 1, 1)).state == STALE  # no quarters at all
    assert judge("register", {"year": date(2019, 12, 31)}, date(2030, 1, 1)).state == NEVER
    unknown = judge("newsource", {"year": date(2024, 12, 31)}, date(2025, 1, 1))
    assert unknown.state == UNKNOWN and "pipelines/policy.py" in unknown.detail


def test_status_of_a_build_per_source(built):
    with dg.DagsterInstance.from_config(str(built.work / "dagster_home")) as instance:
        early = collect(built.output, instance, today=date(2024, 12, 1))
        late = collect(built.output, instance, today=date(2040, 1, 1))
    by_source = {s.source_id: s for s in early.sources}
    assert {"cbs", "uwv", "wagweu", "arbeidsinspectie", "ind", "register"} <= set(by_source)
    assert by_source["cbs"].freshness.state == FRESH and by_source["cbs"].snapshots > 0
    assert by_source["register"].freshness.state == NEVER
    # the newest run in the shared fixture's instance may be a failed one of another test: then status says so
    assert early.last_run["job"] in ("build_monitor", "validate_monitor")
    assert (early.last_run["status"] == "SUCCESS") == (not any("the last run" in p for p in early.problems))
    assert sum(by_source["cbs"].checks.values()) > 0 and by_source["cbs"].checks["block"] == 0
    assert not late.ok and all(s.freshness.state in (STALE, NEVER) for s in late.sources)
    assert early.published["run_id"] == json.loads((built.output / "build.json").read_text())["run_id"]


def test_status_cli_exit_code_and_json(built, tmp_path):
    proc = subprocess.run([str(MONITOR), "status", "--json"], env=built.env(), capture_output=True, text=True, timeout=120)
    report = json.loads(proc.stdout)
    assert proc.returncode == (0 if report["ok"] else 1)
    assert {s["source_id"] for s in report["sources"]} >= {"cbs", "wagweu"}
    screen = subprocess.run([str(MONITOR), "status"], env=built.env(), capture_output=True, text=True, timeout=120)
    assert "cbs" in screen.stderr and ("What to do next" in screen.stderr or "nothing to do" in screen.stderr)
    assert len(screen.stderr.splitlines()) <= 25  # one screen

    empty = dict(built.env(), MONITOR_OUTPUT_DIR=str(tmp_path / "none"), MONITOR_WORK_DIR=str(tmp_path / "work"))
    never = subprocess.run([str(MONITOR), "status"], env=empty, capture_output=True, text=True, timeout=120)
    assert never.returncode == 1 and "nothing is published" in never.stderr
