"""Readers turn snapshot bytes into observations, and refuse malformed input naming file, field and row."""

import csv
import io

import polars as pl
import pytest

from pipelines.core.errors import SourceFormatError
from pipelines.core.observations import OBSERVATION_SCHEMA
from pipelines.core.snapshots import Snapshot, SnapshotStore
from pipelines.sources.common import readers
from tests.conftest import SNAPSHOTS

VAC = "cbs/84545NED/84545NED_vacatures_sa_2021KW01_2024KW01.csv"
WAGWEU = "wagweu/kamerstuk_29861_162/derdelanders_meldloket_2021_2024.csv"


def _with_data(snapshot: Snapshot, data: bytes) -> Snapshot:
    return Snapshot(snapshot.id, snapshot.path, snapshot.origin, data)


def test_wide_csv_values_equal_the_file():
    snap = SnapshotStore(SNAPSHOTS).read(VAC)
    df = readers.read(snap)
    assert df.schema == pl.Schema(OBSERVATION_SCHEMA)
    rows = list(csv.DictReader(io.StringIO(snap.data.decode())))
    got = df.filter(pl.col("measure") == "vacatures_sa_openstaand_x1000").sort("period_code")
    assert got["value"].to_list() == [float(r["vacatures_sa_openstaand_x1000"]) for r in rows]
    assert got["source_row"].to_list() == list(range(1, len(rows) + 1))
    assert set(got["vintage"]) == {"2024-05-15"}
    assert got.filter(pl.col("period_code") == "2024KW01")["status"].item() == "voorlopig"


def test_published_figures_carry_their_quote_and_origin():
    df = readers.read(SnapshotStore(SNAPSHOTS).read(WAGWEU))
    row = df.filter(pl.col("period_code") == "2024JJ00").row(0, named=True)
    assert row["value"] == 27304
    assert "27.304" in row["quote"]
    assert row["url"].startswith("https://www.tweedekamer.nl/")
    assert row["confidence"] == "primary" and row["how_obtained"] == "transcription"


def test_renamed_column_is_named(tmp_path):
    snap = SnapshotStore(SNAPSHOTS).read(VAC)
    bad = _with_data(snap, snap.data.replace(b"vacatures_sa_vervuld_x1000", b"vervuld", 1))
    with pytest.raises(SourceFormatError) as err:
        readers.read(bad)
    text = str(err.value)
    assert VAC in text and "vacatures_sa_vervuld_x1000" in text and "vervuld" in text


def test_non_number_is_named_with_row_and_field():
    snap = SnapshotStore(SNAPSHOTS).read(VAC)
    lines = snap.data.decode().splitlines(keepends=True)
    lines[4] = lines[4].replace("391.8", '"391,8"')  # data row 4 = 2021KW04
    with pytest.raises(SourceFormatError) as err:
        readers.read(_with_data(snap, "".join(lines).encode()))
    text = str(err.value)
    assert "row 4" in text and "vacatures_sa_openstaand_x1000" in text and "'391,8'" in text


def test_cbs_symbols_become_statuses():
    snap = SnapshotStore(SNAPSHOTS).read(VAC)
    lines = snap.data.decode().splitlines(keepends=True)
    lines[1] = lines[1].replace("248.7", ".").replace("292.4", "x")
    df = readers.read(_with_data(snap, "".join(lines).encode())).filter(pl.col("period_code") == "2021KW01")
    by_measure = {r["measure"]: r for r in df.to_dicts()}
    assert by_measure["vacatures_sa_openstaand_x1000"]["status"] == "missing"
    assert by_measure["vacatures_sa_ontstaan_x1000"]["status"] == "secret"
    assert by_measure["vacatures_sa_openstaand_x1000"]["value"] is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"", "is empty"),
        (lambda b: b[: len(b) // 2], "truncated"),
        (lambda b: b.decode().encode("utf-16"), "not UTF-8"),
        (lambda b: b.splitlines(keepends=True)[0], "no data rows"),
    ],
    ids=["empty", "truncated", "wrong-encoding", "header-only"],
)
def test_damaged_files_are_refused(mutate, message):
    snap = SnapshotStore(SNAPSHOTS).read(WAGWEU)
    with pytest.raises(SourceFormatError, match=message) as err:
        readers.read(_with_data(snap, mutate(snap.data)))
    assert WAGWEU in str(err.value)


def test_unknown_reader_is_named():
    snap = SnapshotStore(SNAPSHOTS).read(WAGWEU)
    odd = Snapshot(snap.id, snap.path, snap.origin | {"layout": {"reader": "pdf"}}, snap.data)
    with pytest.raises(SourceFormatError, match="unknown reader 'pdf'"):
        readers.read(odd)


def test_file_cut_inside_a_quoted_field_names_row_and_says_truncated():
    snap = SnapshotStore(SNAPSHOTS).read(WAGWEU)
    lines = snap.data.splitlines(keepends=True)
    cut = b"".join(lines[:3]) + lines[3][: lines[3].index(b'"Kamerbrief') + 20]  # inside data row 3's title
    with pytest.raises(SourceFormatError) as err:
        readers.read(_with_data(snap, cut))
    assert f"{WAGWEU}, row 3: unexpected end of data inside a quoted field: the file may be truncated" in str(err.value)


def test_a_missing_table_column_is_said_to_be_missing():
    snap = SnapshotStore(SNAPSHOTS).read(VAC)
    header, rest = snap.data.split(b"\n", 1)
    columns = header.decode().split(",")
    j = columns.index("vacatures_sa_vervuld_x1000")
    drop = lambda line: ",".join(c for i, c in enumerate(line.split(",")) if i != j)  # noqa: E731 (no quoted cells)
    data = "\n".join(drop(line) if line else line for line in snap.data.decode().split("\n")).encode()
    with pytest.raises(SourceFormatError) as err:
        readers.read(_with_data(snap, data))
    text = str(err.value)
    assert text.startswith(f"{VAC} lacks columns its layout declares")
    assert f"{VAC}, field 'vacatures_sa_vervuld_x1000': required column is missing" in text


def test_reader_dispatch_does_not_depend_on_import_order():
    """A fresh process that imports only the dispatch still knows the formats the sources list (no registration
    by import side effect)."""
    import subprocess
    import sys

    from pipelines.settings import REPO_ROOT

    probe = ("import sys; from pipelines.sources.common import readers; "
             "assert 'pipelines.sources.cbs' not in sys.modules; "
             "print(sorted(readers.observation_readers()))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    assert "cbs_odata_capture" in out and "wide_csv" in out
