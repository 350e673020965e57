"""Done-when of the CBS issue: `MONITOR_CBS_BASE_URL=http://127.0.0.1:PORT monitor fetch cbs 80472NED` captures every
page of a multi-page table, and the build turns it into observations with correct periods, statuses and labels."""

import dataclasses
import subprocess

import dagster as dg
import duckdb

from pipelines.core.snapshots import SnapshotStore
from pipelines.resources import PublicationResource, SnapshotResource, WarehouseResource
from tests.conftest import MONITOR, make_dirs
from tests.fakes.cbs_odata import FakeCbs, Fault, vacancies_by_sector


def _fetch(dirs, base_url, *args):
    env = dirs.env() | {"MONITOR_CBS_BASE_URL": base_url}
    return subprocess.run([str(MONITOR), "fetch", "cbs", *args], env=env, capture_output=True, text=True, timeout=300)


def test_fetch_then_build_lands_every_page_in_the_observations(tmp_path):
    dirs = make_dirs(tmp_path)
    table = vacancies_by_sector()
    with FakeCbs([table], page_size=11) as cbs:
        result = _fetch(dirs, cbs.base_url, "80472NED")
        feed_requests = [r for r in cbs.requests if "/ODataFeed/odata/80472NED/TypedDataSet" in r]
    assert result.returncode == 0, result.stderr
    pages = -(-table.row_count // 11)
    # every page once, and the check that no rows follow the announced count ($skip=<rows>)
    assert len(feed_requests) == pages + 1 and pages > 10 and any("$skip=120&" in r for r in feed_requests)
    assert "captured 120 rows" in result.stderr

    from pipelines.definitions import all_assets

    out = dg.materialize(
        all_assets, selection=["raw_snapshots__origins", "raw_cbs__observations", "stg_cbs__observations"],
        resources={"warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
                   "snapshots": SnapshotResource(root=str(dirs.snapshots)),
                   "publication": PublicationResource(output_dir=str(dirs.output), work_dir=str(dirs.work))})
    assert out.success
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT period_code, period_type, period_label, status, value, dimension_labels, source_row, url "
            "FROM stg_cbs__observations WHERE how_obtained = 'api_capture' AND indicator_id = 'vacatures_openstaand' "
            "AND breakdown = '' ORDER BY period_code").fetchall()
        n = con.execute("SELECT count(*) FROM stg_cbs__observations WHERE how_obtained = 'api_capture'").fetchone()[0]
        raw_rows, raw_indicators = con.execute(
            "SELECT count(*), count(DISTINCT indicator_id) FROM raw_cbs__observations").fetchone()
    # the capture was streamed into the raw table next to the transcriptions; the asset's metadata counts both
    meta = out.asset_materializations_for_node("raw_cbs__observations")[0].metadata
    assert meta["dagster/row_count"].value == raw_rows and meta["indicators"].value == raw_indicators
    assert n == table.row_count * 3, "every row of every page"
    by_period = {r[0]: r for r in rows}
    assert len(by_period) == 20
    assert by_period["2024KW02"][1:4] == ("quarter", "2024 2e kwartaal*", "provisional")
    assert by_period["2023JJ00"][1:4] == ("year", "2023", "definitive")
    assert '"A-U Alle economische activiteiten (synthetisch)"' in by_period["2023JJ00"][5]
    first = table.row(by_period["2023KW01"][6] - 1)
    assert by_period["2023KW01"][4] == first["OpenstaandeVacatures_1"] and by_period["2023KW01"][7].startswith(cbs.base_url)


def test_failed_fetch_names_the_problem_and_writes_nothing(tmp_path):
    dirs = make_dirs(tmp_path)
    before = sorted(SnapshotStore(dirs.snapshots).data_files())
    table = dataclasses.replace(vacancies_by_sector(), announce_count=False)  # no row count: nextLinks are followed
    with FakeCbs([table], page_size=11, faults=[Fault("skiptoken=33", "loop", times=99)]) as cbs:
        result = _fetch(dirs, cbs.base_url, "80472NED")
    assert result.returncode == 1
    assert "nextLink loops" in result.stderr and "no snapshot was written" in result.stderr
    assert sorted(SnapshotStore(dirs.snapshots).data_files()) == before
    assert not list((dirs.snapshots / "cbs" / "80472NED").glob(".incoming-*"))
