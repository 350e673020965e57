"""The UWV, WagwEU, Arbeidsinspectie, IND and register tables: what lands in DuckDB equals the snapshots, and a
new year is a data change only (a file and its sidecar), shown by adding one to a copy of the store."""

import csv
import io
import shutil

import dagster as dg
import pytest
import xlsxwriter

from pipelines.core.snapshots import SnapshotStore
from pipelines.sources.common import readers
from tests.conftest import SNAPSHOTS
from tests.sources_kit import SOURCES, add_snapshot, materialize, query, run, shipped_warehouse, source_tables


def _published_figure_files(source):
    store = SnapshotStore(SNAPSHOTS)
    return [s for s in store.under(f"{source}/") if s.layout.get("reader") == "published_figures"]


@pytest.mark.parametrize("source", SOURCES)
def test_every_published_figure_lands_in_staging_with_its_origin(source):
    """Each row of each published-figures file is one staged row with the file's value, period, quote and URL."""
    warehouse = shipped_warehouse()
    files = _published_figure_files(source)
    assert files, f"no published-figures files under {source}/"
    for snapshot in files:
        rows = list(csv.DictReader(io.StringIO(snapshot.data.decode("utf-8"))))
        got = {r[0]: r[1:] for r in query(
            warehouse,
            f"SELECT source_row, value, value_lower, quote, url, confidence, snapshot_sha256 "
            f"FROM stg_{source}__observations WHERE snapshot_id = ?", snapshot.id)}
        assert sorted(got) == list(range(1, len(rows) + 1)), snapshot.id
        for n, row in enumerate(rows, start=1):
            value, lower, quote, url, confidence, sha = got[n]
            expected = float(row["value"]) if row["value"] else None
            assert value == expected, (snapshot.id, n)
            if row.get("value_lower"):
                assert lower == float(row["value_lower"])
            assert quote == row["quote"] and url == row["url"], (snapshot.id, n)
            assert confidence == (row.get("confidence") or snapshot.origin["confidence"])
            assert sha == snapshot.sha256


def test_table_files_land_cell_for_cell():
    """The UWV jaarverslag table (long layout, two value columns) and the Arbeidsinspectie table (one row per year)."""
    warehouse = shipped_warehouse()
    uwv = SnapshotStore(SNAPSHOTS).read("uwv/jaarverslagen_twv_gvva/uwv_twv_gvva_jaarverslagen_2014_2019.csv")
    rows = list(csv.DictReader(io.StringIO(uwv.data.decode())))
    expected = len(rows) + sum(1 for r in rows if r["pct"])
    staged = query(warehouse, "SELECT count(*) FROM stg_uwv__observations WHERE snapshot_id = ?", uwv.id)[0][0]
    assert staged == expected
    (value, url, breakdown), = query(
        warehouse, "SELECT value, url, breakdown FROM stg_uwv__observations WHERE snapshot_id = ? AND source_row = 42 "
        "AND indicator_id = 'gvva_positief_advies'", uwv.id)
    assert rows[41]["measure"] == "gvva_positief_advies" and value == float(rows[41]["value"])
    assert url == rows[41]["source_url"] and breakdown == ""
    (share,), = query(warehouse, "SELECT value FROM stg_uwv__observations WHERE snapshot_id = ? AND source_row = 42 "
                      "AND indicator_id = 'gvva_positief_advies_aandeel'", uwv.id)
    assert share == float(rows[41]["pct"])
    partial = query(warehouse, "SELECT DISTINCT breakdown FROM stg_uwv__observations WHERE snapshot_id = ? AND breakdown <> ''", uwv.id)
    assert partial == [("afbakening=t/m augustus",)]
    accidents = query(warehouse, "SELECT period_code, value, locator FROM stg_arbeidsinspectie__observations "
                      "WHERE indicator_id = 'dodelijke_slachtoffers_arbeidsongevallen' AND dataset_id = 'jaarverslag_2023' "
                      "ORDER BY period_code")
    assert [(p[:4], v) for p, v, _ in accidents] == [("2018", 51), ("2019", 71), ("2020", 54), ("2021", 60),
                                                     ("2022", 51), ("2023", 72)]
    assert all("Overzicht arbeidsongevallen" in loc for *_, loc in accidents)


def test_reference_table_classifies_the_spanningsindicator():
    warehouse = shipped_warehouse()
    classes = query(warehouse, "SELECT klasse_volgorde, typering, ondergrens_exclusief, bovengrens_inclusief, url "
                    "FROM stg_uwv__spanningsindicator_klassen ORDER BY klasse_volgorde")
    assert [c[1] for c in classes] == ["zeer ruim", "ruim", "gemiddeld (evenwicht)", "krap", "zeer krap"]
    assert classes[0][2] is None and classes[-1][3] is None
    assert all(c[4].startswith("https://arbeidsmarktinzicht.nl/") for c in classes)
    (label,), = query(warehouse, "SELECT typering FROM stg_uwv__spanningsindicator_klassen "
                      "WHERE 4.0 > coalesce(ondergrens_exclusief, -1e300) AND 4.0 <= coalesce(bovengrens_inclusief, 1e300)")
    assert label == "krap"  # 4.0 is the inclusive upper bound of 'krap'; 'zeer krap' starts above it
    assert not query(warehouse, "SELECT * FROM stg_uwv__observations WHERE indicator_id LIKE '%typering%'")


def test_raw_assets_report_rows_periods_and_origins(tmp_path):
    result = run(SNAPSHOTS, tmp_path, ["raw_snapshots__origins", "raw_arbeidsinspectie__observations"])
    event, = [e for e in result.get_asset_materialization_events()
              if e.asset_key == dg.AssetKey("raw_arbeidsinspectie__observations")]
    meta = event.materialization.metadata
    assert meta["dagster/row_count"].value > 50
    assert meta["periods_covered"].value.startswith("2016")
    assert "nlarbeidsinspectie.nl" in meta["origins"].value and "cited_only" in meta["origins"].value
    assert set(meta["confidence"].value) == {"primary", "secondary", "cited_only"}


# --- next year's figures are a data change ------------------------------------------------------------------


def _store_copy(tmp_path):
    root = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, root)
    return root


NEXT_LETTER = """indicator,period,value,value_qualifier,unit,geography,publisher,document_title,url,published,quote,how_obtained,confidence
derdelanders_ten_minste_1_dag_werkzaam_volgens_meldloket,2025,31234,,personen,Nederland,Minister van Sociale Zaken en Werkgelegenheid,Testbrief,https://example.org/test-kamerstuk,2026-07-01,"In 2025 waren dit er 31.234 (testwaarde).",transcribed from stored copy of page,primary
"""


def test_next_wagweu_letter_is_a_data_change(tmp_path):
    """A new letter to parliament with the 2025 meldloket figure: one CSV and its sidecar, no code change.
    The figure is a test value in a temporary copy of the store, never shipped."""
    root = _store_copy(tmp_path)
    add_snapshot(root, "wagweu/kamerstuk_29861_999/derdelanders_meldloket_2025.csv", NEXT_LETTER.encode(), {
        "producer": "Minister van Sociale Zaken en Werkgelegenheid", "title": "Testbrief (test fixture)",
        "url": "https://example.org/test-kamerstuk", "published": "2026-07-01", "retrieved": "2026-07-02",
        "licence": "test", "citation": "test", "obtained": "transcription", "confidence": "primary",
        "layout": {"reader": "published_figures", "source_id": "wagweu", "dataset_id": "kamerstuk_29861_999"}})
    warehouse = materialize(root, tmp_path / "work", source_tables(("wagweu",)) + ["mart__posted_workers"])
    staged = query(warehouse, "SELECT value, vintage, snapshot_id FROM stg_wagweu__observations WHERE period_code = '2025JJ00'")
    assert staged == [(31234.0, "2026-07-01", "wagweu/kamerstuk_29861_999/derdelanders_meldloket_2025.csv")]
    years = query(warehouse, "SELECT year, value FROM mart__posted_workers "
                  "WHERE indicator_id = 'derdelanders_ten_minste_1_dag_werkzaam_volgens_meldloket' ORDER BY year")
    assert years == [(2022, 22500.0), (2023, 23500.0), (2024, 27304.0), (2025, 31234.0)]


def _cijfers_en_feiten(years_values: dict[str, dict[int, object]]) -> bytes:
    """An Excel workbook in the shape of the Arbeidsinspectie 'Cijfers en feiten' tables: a title, the header on
    row 3, one row per key figure, one column per year, a source note below. Test values only."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Kerncijfers")
    sheet.write(0, 0, "Cijfers en feiten Nederlandse Arbeidsinspectie (testbestand)")
    years = sorted({y for v in years_values.values() for y in v})
    sheet.write_row(2, 0, ["Kerncijfer", *years])
    for r, (label, values) in enumerate(years_values.items(), start=3):
        sheet.write(r, 0, label)
        for c, year in enumerate(years, start=1):
            if year in values:
                sheet.write(r, c, values[year])
    sheet.write(r + 2, 0, "Bron: Nederlandse Arbeidsinspectie (testbestand)")
    book.close()
    return buf.getvalue()


XLSX_LAYOUT = {
    "reader": "xlsx_table", "source_id": "arbeidsinspectie", "dataset_id": "jaarverslag_2025", "sheet": "Kerncijfers",
    "header_row": 3, "footer": "ignore", "orientation": "periods_in_columns", "measure_column": "Kerncijfer",
    "period_columns": "auto",
    "measures": {
        "Ongevalsmeldingen": {"indicator_id": "ongevalsmeldingen", "unit": "meldingen"},
        "Stilleggingen (feitelijke sluitingen)": {"indicator_id": "stilleggingen_feitelijke_sluitingen", "unit": "sluitingen"},
    },
}


def test_next_arbeidsinspectie_report_is_a_data_change(tmp_path):
    """Next year's annual report as the Excel download it comes in: one workbook and its sidecar (the layout says
    where the table is), no code change. Test values in a temporary copy of the store, never shipped."""
    root = _store_copy(tmp_path)
    data = _cijfers_en_feiten({"Ongevalsmeldingen": {2024: 3911, 2025: 4001},
                               "Stilleggingen (feitelijke sluitingen)": {2024: 18, 2025: 21}})
    add_snapshot(root, "arbeidsinspectie/jaarverslag_2025/cijfers_en_feiten_2025.xlsx", data, {
        "producer": "Nederlandse Arbeidsinspectie", "title": "Cijfers en feiten 2025 (test fixture)",
        "url": "https://example.org/test-jaarverslag-2025", "published": "2026-03-27", "retrieved": "2026-03-28",
        "licence": "test", "citation": "test", "obtained": "file_download", "confidence": "primary",
        "locator": "werkblad Kerncijfers", "layout": XLSX_LAYOUT})
    warehouse = materialize(root, tmp_path / "work", source_tables(("arbeidsinspectie",)))
    got = query(warehouse, "SELECT indicator_id, period_code, value, source_row, how_obtained, vintage "
                "FROM stg_arbeidsinspectie__observations WHERE dataset_id = 'jaarverslag_2025' ORDER BY 1, 2")
    assert got == [("ongevalsmeldingen", "2024JJ00", 3911.0, 1, "file_download", "2026-03-27"),
                   ("ongevalsmeldingen", "2025JJ00", 4001.0, 1, "file_download", "2026-03-27"),
                   ("stilleggingen_feitelijke_sluitingen", "2024JJ00", 18.0, 2, "file_download", "2026-03-27"),
                   ("stilleggingen_feitelijke_sluitingen", "2025JJ00", 21.0, 2, "file_download", "2026-03-27")]
    series = query(warehouse, "SELECT period_code, confidence FROM stg_arbeidsinspectie__observations "
                   "WHERE indicator_id = 'stilleggingen_feitelijke_sluitingen' ORDER BY period_code, confidence")
    assert series == [("2024JJ00", "cited_only"), ("2024JJ00", "primary"), ("2025JJ00", "primary")]


def test_every_shipped_source_snapshot_has_a_reader_and_no_synthetic_file():
    store = SnapshotStore(SNAPSHOTS)
    for source in SOURCES:
        for snapshot in store.under(f"{source}/"):
            assert snapshot.layout.get("reader") in {*readers.observation_readers(), *readers.REFERENCE_READERS}, snapshot.id
            assert "example.org" not in snapshot.origin["url"] and "test" not in snapshot.origin["licence"].split()
