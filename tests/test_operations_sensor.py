"""The CBS change sensor against a local fake CBS: one table changed, exactly one refresh requested, once."""

from __future__ import annotations

import json
from datetime import datetime

import dagster as dg
import pytest

from pipelines.operations.sensors import cbs_table_changes, changed_tables, evaluate_cbs_changes
from pipelines.sources.cbs.fetch import fetch_tables
from pipelines.sources.cbs.tables import load_tables
from tests.fakes.cbs_odata import FakeCbs, vacancies_by_sector

SERVED = "2031-05-15T02:00:00"


def _tables(modified: dict[str, str] | None = None):
    """A small fake of every table in the table set, all served with Modified SERVED unless said otherwise."""
    modified = modified or {}
    return [vacancies_by_sector(table_id=t, modified=modified.get(t, SERVED), sectors=2, years=(2030, 2030))
            for t in load_tables()]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("MONITOR_WORK_DIR", str(tmp_path / "work"))
    return tmp_path / "snapshots"


def _tick(cbs: FakeCbs, cursor: str | None, monkeypatch) -> dg.SensorResult:
    monkeypatch.setenv("MONITOR_CBS_BASE_URL", cbs.base_url)
    with dg.build_sensor_context(cursor=cursor) as context:
        return cbs_table_changes(context)


def test_changed_tables_compares_modified():
    assert changed_tables({"A": "1", "B": "1", "C": None}, {"A": "1", "B": "2", "C": "1"}) == ["B", "C"]


def test_one_changed_table_requests_exactly_one_refresh_once(store, monkeypatch):
    ids = list(load_tables())
    cursor = json.dumps({t: SERVED for t in ids})  # as the previous tick left it
    changed = ids[1]
    with FakeCbs(_tables({changed: "2031-08-15T02:00:00"})) as cbs:
        first = _tick(cbs, cursor, monkeypatch)
        assert [r.run_key for r in first.run_requests] == [f"cbs:{changed}:2031-08-15T02:00:00"]
        request = first.run_requests[0]
        assert request.run_config["ops"]["fetch_cbs_tables"]["config"]["table_ids"] == [changed]
        assert request.tags["monitor/cbs_table"] == changed
        assert request.tags["monitor/cbs_reason_delivery"] == "Synthetic test table (tests/fakes)."
        second = _tick(cbs, first.cursor, monkeypatch)
    assert second.run_requests == []
    assert json.loads(second.cursor)[changed] == "2031-08-15T02:00:00"


def test_without_a_cursor_the_newest_capture_is_the_known_version(store, monkeypatch):
    """The table held as a capture at the served version is not refreshed again; one that is not held is."""
    ids = list(load_tables())
    held = "80472NED"
    with FakeCbs(_tables()) as cbs:
        results, failures = fetch_tables([held], store_root=store, work_dir=store.parent / "work", base_url=cbs.base_url)
        assert not failures and results[0].modified == SERVED
        cursor = json.dumps({t: SERVED for t in ids if t != held} | {"84545NED": "2030-01-01T00:00:00"})
        requests, new_cursor, message = evaluate_cbs_changes(cursor, base_url=cbs.base_url)
    assert [r.tags["monitor/cbs_table"] for r in requests] == ["84545NED"]
    assert "1 of" in message and "84545NED" in message
    assert json.loads(new_cursor)[held] == SERVED


def test_an_unreachable_table_is_named_and_asked_again_next_tick(store, monkeypatch):
    ids = list(load_tables())
    served = [t for t in _tables() if t.table_id != ids[0]]  # the fake does not know the first table
    with FakeCbs(served) as cbs:
        monkeypatch.setenv("MONITOR_CBS_BASE_URL", cbs.base_url)
        requests, cursor, message = evaluate_cbs_changes(json.dumps({t: SERVED for t in ids}), base_url=cbs.base_url)
    assert requests == [] and f"not reachable this tick: {ids[0]}" in message
    assert json.loads(cursor)[ids[0]] == SERVED  # kept as it was


def test_code_location_has_the_schedules_sensors_and_live_job():
    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    assert {"monthly_cbs_refresh", "annual_edition"} <= {s.name for s in repo.schedule_defs}
    assert {"cbs_table_changes", "build_after_cbs_refresh"} <= {s.name for s in repo.sensor_defs}
    assert repo.has_job("refresh_cbs_live")
    for schedule in repo.schedule_defs:
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED, schedule.name  # no network here
    edition = next(s for s in repo.schedule_defs if s.name == "annual_edition")
    with dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 7), repository_def=repo) as ctx:
        request = edition.evaluate_tick(ctx).run_requests[0]
    assert request.partition_key == "2026" and request.job_name in (None, "publish_edition")
    with dg.build_schedule_context(scheduled_execution_time=datetime(2031, 12, 1, 7), repository_def=repo) as ctx:
        tick = edition.evaluate_tick(ctx)
    assert not tick.run_requests and "No edition 2031" in tick.skip_message, "an edition the register lacks is skipped"

