"""Captures: every page kept and verified, nothing half-written on failure, resumable, one per table version."""

import dataclasses
import json

import polars as pl
import pytest

from pipelines.core.errors import SnapshotError
from pipelines.core.snapshots import SnapshotStore
from pipelines.sources.cbs.odata.capture import capture_table
from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.transport import CbsFetchError, RetryPolicy, Transport
from pipelines.sources.cbs.tables import TableSpec, table_spec
from pipelines.sources.common import readers
from tests.fakes.cbs_odata import FakeCbs, Fault, immigrants_by_motive, vacancies_by_sector

FAST = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02, read_timeout=0.5, connect_timeout=0.5)


def _capture(cbs, tmp_path, spec, **kw):
    with Transport(FAST) as t:
        return capture_table(spec, store_root=tmp_path / "store", work_dir=tmp_path / "work",
                             endpoints=Endpoints.resolve(cbs.base_url), transport=t, **kw)


def test_capture_keeps_every_page_and_its_origin(tmp_path):
    table = vacancies_by_sector()
    with FakeCbs([table], page_size=13) as cbs:
        result = _capture(cbs, tmp_path, table_spec("80472NED"))
    snap = SnapshotStore(tmp_path / "store").read(result.snapshot_id)
    manifest = json.loads(snap.data)
    data_pages = [f for f in manifest["files"] if f["role"] == "data"]
    assert len(data_pages) == -(-table.row_count // 13) == result.pages - (len(manifest["files"]) - len(data_pages))
    assert sum(f["rows"] for f in data_pages) == table.row_count == result.rows
    assert all(f["path"] == f"pages/{f['sha256']}.json" for f in manifest["files"])
    o = snap.origin
    assert (o["vintage"], o["modified"], o["obtained"], o["licence"]) == ("2031-05-15", table.modified, "api_capture", "CC BY 4.0")
    assert o["reason_delivery"] == table.reason and o["retrieved_at"].endswith("Z") and "Bron: CBS" in o["citation"]
    assert not (tmp_path / "work" / "cbs_capture" / "80472NED").exists(), "work area removed after success"


@pytest.mark.parametrize("kind", ["500", "reset", "truncate", "loop"])
def test_failed_capture_leaves_no_snapshot(tmp_path, kind):
    faults = [Fault("skiptoken=26", kind, times=99)]
    with FakeCbs([vacancies_by_sector()], page_size=13, faults=faults) as cbs:
        with pytest.raises(CbsFetchError):
            _capture(cbs, tmp_path, table_spec("80472NED"))
    store = SnapshotStore(tmp_path / "store")
    assert store.data_files() == []
    leftovers = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert leftovers == [], leftovers


def test_rerun_resumes_from_pages_already_received(tmp_path):
    with FakeCbs([vacancies_by_sector()], page_size=13, faults=[Fault("skiptoken=52", "500", times=2)]) as cbs:
        with pytest.raises(CbsFetchError):
            _capture(cbs, tmp_path, table_spec("80472NED"))
        before = len(cbs.requests)
        result = _capture(cbs, tmp_path, table_spec("80472NED"))
        data_requests = [r for r in cbs.requests[before:] if "TypedDataSet" in r]
    # 120 rows in pages of 13 = 10 data pages; pages 0-3 came in before the failure and are not asked again
    assert len(data_requests) == 6
    assert result.reused_pages >= 4 and result.rows == vacancies_by_sector().row_count


def test_same_table_version_is_not_captured_twice(tmp_path):
    with FakeCbs([vacancies_by_sector()]) as cbs:
        first = _capture(cbs, tmp_path, table_spec("80472NED"))
        second = _capture(cbs, tmp_path, table_spec("80472NED"))
    assert second.skipped and second.snapshot_id == first.snapshot_id and "already captured" in second.message
    assert len(SnapshotStore(tmp_path / "store").data_files()) == 1


def test_new_vintage_is_a_new_capture(tmp_path):
    with FakeCbs([vacancies_by_sector()]) as cbs:
        _capture(cbs, tmp_path, table_spec("80472NED"))
    with FakeCbs([vacancies_by_sector(modified="2031-08-14T02:00:00")]) as cbs:
        _capture(cbs, tmp_path, table_spec("80472NED"))
    store = SnapshotStore(tmp_path / "store")
    vintages = sorted(s.origin["vintage"] for s in store.verify_all())
    assert vintages == ["2031-05-15", "2031-08-14"]


def test_padded_keys_are_sent_padded(tmp_path):
    spec = dataclasses.replace(table_spec("80472NED"), filter={"Bedrijfskenmerken": ("T001081",)})
    with FakeCbs([vacancies_by_sector()]) as cbs:
        result = _capture(cbs, tmp_path, spec)
        sent = [r for r in cbs.requests if "$filter" in r]
    assert sent and "Bedrijfskenmerken eq 'T001081 '" in sent[0]
    df = readers.read(SnapshotStore(tmp_path / "store").read(result.snapshot_id))
    assert set(df["breakdown"]) == {""} and df.height == 3 * 20


def test_unknown_filter_key_is_named(tmp_path):
    spec = dataclasses.replace(table_spec("80472NED"), filter={"Bedrijfskenmerken": ("T999999",)})
    with FakeCbs([vacancies_by_sector()]) as cbs, pytest.raises(CbsFetchError) as err:
        _capture(cbs, tmp_path, spec)
    assert "filter.Bedrijfskenmerken" in str(err.value) and "T999999" in str(err.value)


def test_v4_capture_reads_like_v3(tmp_path):
    with FakeCbs([immigrants_by_motive()], page_size=4) as cbs:
        v3 = _capture(cbs, tmp_path, dataclasses.replace(table_spec("84809NED"), api="v3"))
    with FakeCbs([immigrants_by_motive(modified="2031-07-01T02:00:00")], page_size=4) as cbs:
        v4 = _capture(cbs, tmp_path, dataclasses.replace(table_spec("84809NED"), api="v4"))
    store = SnapshotStore(tmp_path / "store")
    cols = ["indicator_id", "breakdown", "period_code", "value", "status", "dimension_labels", "period_label"]
    a = readers.read(store.read(v3.snapshot_id)).select(cols).sort(cols[:3])
    b = readers.read(store.read(v4.snapshot_id)).select(cols).sort(cols[:3])
    assert a.height == b.height == immigrants_by_motive().row_count
    # Typed v3 cannot tell secret from missing (both null); v4's ValueAttribute can.
    assert a.drop("status").equals(b.drop("status"))
    assert set(b["status"]) >= {"secret", "missing"} and "secret" not in set(a["status"])


def test_tampered_page_is_refused_naming_the_page(tmp_path):
    with FakeCbs([vacancies_by_sector()], page_size=50) as cbs:
        result = _capture(cbs, tmp_path, table_spec("80472NED"))
    store = SnapshotStore(tmp_path / "store")
    manifest = json.loads(store.read(result.snapshot_id).data)
    page = next(f for f in manifest["files"] if f["role"] == "data")
    target = (tmp_path / "store" / result.snapshot_id).parent / page["path"]
    target.write_bytes(target.read_bytes().replace(b'"ID": 1,', b'"ID": 2,', 1))
    with pytest.raises(SnapshotError) as err:
        store.verify_all()
    assert page["path"] in str(err.value) and "checksum mismatch" in str(err.value)
    (target.parent / "stray.json").write_text("{}")
    target.unlink()
    with pytest.raises(SnapshotError) as err:
        store.read(result.snapshot_id)
    assert "missing" in str(err.value) and "does not list" in str(err.value) and "stray.json" in str(err.value)


def test_unmapped_table_gets_generated_indicator_ids(tmp_path):
    table = dataclasses.replace(vacancies_by_sector(table_id="12345NED"))
    with FakeCbs([table]) as cbs:
        result = _capture(cbs, tmp_path, TableSpec("12345NED"))
    df = readers.read(SnapshotStore(tmp_path / "store").read(result.snapshot_id))
    assert set(df["indicator_id"]) == {"cbs_12345ned_openstaandevacatures_1", "cbs_12345ned_ontstanevacatures_2",
                                       "cbs_12345ned_vervuldevacatures_3"}
    assert df.filter(pl.col("breakdown") == "").height == 3 * 20  # T001081 is a total by the T+6 digits rule


def test_capture_copies_pages_where_they_cannot_be_linked(tmp_path, monkeypatch):
    """Pages are hard-linked from the work area into the capture; across file systems they are copied."""
    import os

    def no_link(source, target):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    with FakeCbs([vacancies_by_sector()], page_size=50) as cbs:
        result = _capture(cbs, tmp_path, table_spec("80472NED"))
    snap = SnapshotStore(tmp_path / "store").read(result.snapshot_id)
    assert len(snap.members) == result.pages and result.rows == vacancies_by_sector().row_count
