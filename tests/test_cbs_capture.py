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


@pytest.mark.parametrize("kind,ranged", [("500", True), ("reset", True), ("truncate", True),
                                         ("500", False), ("truncate", False), ("loop", False)])
def test_failed_capture_leaves_no_snapshot(tmp_path, kind, ranged):
    """Ranged pages ($skip, the row count announced) and followed nextLinks (no count) fail the same way."""
    faults = [Fault("$skip=26&" if ranged else "skiptoken=26", kind, times=99)]
    table = dataclasses.replace(vacancies_by_sector(), announce_count=ranged)
    with FakeCbs([table], page_size=13, faults=faults) as cbs:
        with pytest.raises(CbsFetchError) as err:
            _capture(cbs, tmp_path, table_spec("80472NED"))
        assert any(f.match in r for r in cbs.requests for f in faults), "the fault was reached"
    if ranged:  # the failing page is named: 120 rows in pages of 13, rows 26-38 are page 3 of 10
        assert "80472NED/TypedDataSet: page 3 of 10 (rows 26-38) could not be fetched" in str(err.value)
    store = SnapshotStore(tmp_path / "store")
    assert store.data_files() == []
    leftovers = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert leftovers == [], leftovers


def test_rerun_resumes_from_pages_already_received(tmp_path):
    with FakeCbs([vacancies_by_sector()], page_size=13, faults=[Fault("$skip=52&", "500", times=2)]) as cbs:
        with pytest.raises(CbsFetchError):
            _capture(cbs, tmp_path, table_spec("80472NED"), concurrency=1)
        before = len(cbs.requests)
        answered = {r for r in cbs.requests if "TypedDataSet" in r and "$skip=52&" not in r}
        result = _capture(cbs, tmp_path, table_spec("80472NED"), concurrency=1)
        data_requests = [r for r in cbs.requests[before:] if "TypedDataSet" in r]
    # 120 rows in pages of 13 = 10 data pages; pages 0-3 came in before the failure and are not asked again;
    # page 4 and what had not come in yet (pages up to 9, the check that nothing follows row 120) are
    assert "$skip=52&" in data_requests[0] and "$skip=120&" in data_requests[-1] and 6 <= len(data_requests) <= 7
    assert not answered & set(data_requests), "a page received before the failure was asked again"
    assert result.reused_pages >= 5 and result.rows == vacancies_by_sector().row_count


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


def _pages_and_files(store_root, snapshot_id):
    """What a capture holds, apart from when it was made: every page's bytes and the manifest's page list."""
    folder = (store_root / snapshot_id).parent
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    pages = {p.name: p.read_bytes() for p in sorted((folder / "pages").iterdir())}
    return pages, manifest["files"]


def _jittered(cbs, seed=7):
    """Answer every request after a random few milliseconds, so parallel pages arrive out of order."""
    import random
    import threading
    import time

    rng, lock, original = random.Random(seed), threading.Lock(), cbs._route

    def route(*args, **kwargs):
        with lock:
            pause = rng.uniform(0, 0.03)
        time.sleep(pause)
        return original(*args, **kwargs)

    cbs._route = route


@pytest.mark.parametrize("api,table", [("v3", vacancies_by_sector), ("v4", immigrants_by_motive)])
def test_parallel_capture_is_byte_identical_to_one_page_at_a_time(tmp_path, api, table):
    spec = dataclasses.replace(table_spec(table().table_id), api=api)
    with FakeCbs([table()], page_size=7) as cbs:
        _jittered(cbs)
        one = _capture(cbs, tmp_path / "one", spec, concurrency=1)
        four = _capture(cbs, tmp_path / "four", spec, concurrency=4)
        ranged = [r for r in cbs.requests if "$skip=" in r and "$top=" in r]
    assert ranged, "the pages were asked for as $skip/$top ranges"
    a, b = _pages_and_files(tmp_path / "one" / "store", one.snapshot_id), _pages_and_files(tmp_path / "four" / "store", four.snapshot_id)
    assert a == b and one.rows == four.rows and len(a[1]) == one.pages


def test_ranged_and_followed_captures_read_the_same(tmp_path):
    """Pages by $skip ranges (count known) and by nextLinks (no count) give the same observations."""
    with FakeCbs([vacancies_by_sector()], page_size=9) as cbs:
        ranged = _capture(cbs, tmp_path / "r", table_spec("80472NED"))
    with FakeCbs([dataclasses.replace(vacancies_by_sector(), announce_count=False)], page_size=9) as cbs:
        followed = _capture(cbs, tmp_path / "f", table_spec("80472NED"))
        assert not [r for r in cbs.requests if "$skip=" in r], "without a count the nextLinks are followed"
    a = readers.read(SnapshotStore(tmp_path / "r" / "store").read(ranged.snapshot_id))
    b = readers.read(SnapshotStore(tmp_path / "f" / "store").read(followed.snapshot_id))
    cols = ["indicator_id", "breakdown", "period_code", "value", "status"]
    assert a.height == b.height == 3 * vacancies_by_sector().row_count
    assert a.select(cols).sort(cols[:3]).equals(b.select(cols).sort(cols[:3]))


@pytest.mark.parametrize("error", [-5, 5, 13])
def test_a_wrong_row_count_falls_back_to_the_next_links(tmp_path, error):
    """A server whose announced count is off (fewer or more rows than it has) still gives a complete capture."""
    table = dataclasses.replace(vacancies_by_sector(), count_error=error)
    with FakeCbs([table], page_size=13) as cbs:
        result = _capture(cbs, tmp_path, table_spec("80472NED"))
        followed = [r for r in cbs.requests if "skiptoken=" in r]
    manifest = json.loads(SnapshotStore(tmp_path / "store").read(result.snapshot_id).data)
    data = [f for f in manifest["files"] if f["role"] == "data"]
    assert followed and result.rows == table.row_count == sum(f["rows"] for f in data)
    assert [f["page"] for f in data] == list(range(10)) and all("$skip=" not in f["url"] for f in data)


def test_pages_are_fetched_in_parallel_within_the_policy_limit(tmp_path):
    with FakeCbs([vacancies_by_sector()], page_size=10, latency=0.05) as cbs:
        with Transport(dataclasses.replace(FAST, max_concurrency=3)) as t:
            capture_table(table_spec("80472NED"), store_root=tmp_path / "store", work_dir=tmp_path / "work",
                          endpoints=Endpoints.resolve(cbs.base_url), transport=t, concurrency=8)
    assert cbs.peak_in_flight == 3, cbs.peak_in_flight


def test_killed_capture_resumes_and_matches_an_uninterrupted_one(tmp_path):
    """A fetch killed (SIGKILL) mid-way leaves nothing in the store; the rerun reuses every page it had received
    and ends with the same capture as a fetch that was never interrupted."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    table = vacancies_by_sector()
    with FakeCbs([table], page_size=7, faults=[Fault("$skip=84&", "timeout", times=1, delay=60)]) as cbs:
        child = subprocess.Popen([sys.executable, "-c", (
            "import sys; from pathlib import Path\n"
            "from pipelines.sources.cbs.odata.capture import capture_table\n"
            "from pipelines.sources.cbs.odata.endpoints import Endpoints\n"
            "from pipelines.sources.cbs.odata.transport import Transport\n"
            "from pipelines.sources.cbs.tables import table_spec\n"
            "with Transport() as t:\n"
            "    capture_table(table_spec('80472NED'), store_root=Path(sys.argv[1]), work_dir=Path(sys.argv[2]),\n"
            "                  endpoints=Endpoints.resolve(sys.argv[3]), transport=t, concurrency=2)\n"),
            str(tmp_path / "store"), str(tmp_path / "work"), cbs.base_url], cwd=repo)
        journal = tmp_path / "work" / "cbs_capture" / "80472NED" / "journal.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("$skip=84&" in r for r in cbs.requests):
            time.sleep(0.05)
        time.sleep(0.3)  # the other worker finishes the pages it has
        child.kill()
        child.wait()
        received = {json.loads(line)["url"] for line in journal.read_text(encoding="utf-8").splitlines()}
        assert len([u for u in received if "TypedDataSet" in u]) >= 5, "data pages were received before the kill"
        assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()], "nothing in the store after the kill"
        resumed = _capture(cbs, tmp_path, table_spec("80472NED"))
        reference = _capture(cbs, tmp_path / "ref", table_spec("80472NED"))
    # every page received before the kill is reused, except the table information (always asked afresh)
    assert resumed.reused_pages == len([u for u in received if "TableInfos" not in u and "DataProperties" not in u])
    assert reference.reused_pages == 0
    assert _pages_and_files(tmp_path / "store", resumed.snapshot_id) == _pages_and_files(tmp_path / "ref" / "store", reference.snapshot_id)
    assert [p.name for p in (tmp_path / "store" / "cbs" / "80472NED").iterdir()] == [Path(resumed.snapshot_id).parent.name]
