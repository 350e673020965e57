"""Readers for the files UWV and the Arbeidsinspectie publish (Excel and CSV downloads), and the shared
layout->observations mapping: tested on small files made here in the publishers' shapes (never shipped)."""

import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.core.errors import SourceFormatError
from pipelines.core.observations import OBSERVATION_SCHEMA
from pipelines.core.periods import parse_period
from pipelines.core.snapshots import Snapshot, sha256_bytes
from pipelines.sources.common import readers

ORIGIN = {"producer": "Testproducent", "title": "Testtabel", "url": "https://example.org/t", "published": "2025-03-27",
          "retrieved": "2025-04-01", "licence": "test", "citation": "test", "obtained": "file_download",
          "confidence": "primary"}


def snap(name: str, data: bytes, layout: dict) -> Snapshot:
    origin = ORIGIN | {"sha256": sha256_bytes(data), "layout": layout}
    return Snapshot(f"test/{name}", Path(name), origin, data)


def workbook(rows: list[list], sheet: str = "Blad1", start_row: int = 0) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    for r, cells in enumerate(rows, start=start_row):
        for c, value in enumerate(cells):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return buf.getvalue()


# Arbeidsinspectie 'Cijfers en feiten': a title, the header on row 3, one row per key figure, years in columns.
AI_ROWS = [["Kerncijfers Nederlandse Arbeidsinspectie"], [], ["Kerncijfer", "2023", 2024],
           ["Inspecties eerlijk werk", 2812, 3001], ["Stilleggingen", 17, "."], [], ["Bron: NLA, bewerking"]]
AI_LAYOUT = {"reader": "xlsx_table", "source_id": "arbeidsinspectie", "dataset_id": "test", "header_row": 3,
             "footer": "ignore", "orientation": "periods_in_columns", "measure_column": "Kerncijfer",
             "period_columns": "auto",
             "measures": {"Inspecties eerlijk werk": {"indicator_id": "inspecties_en_onderzoeken", "unit": "inspecties"},
                          "Stilleggingen": {"indicator_id": "stilleggingen", "unit": "stilleggingen"}},
             "constants": {"domein": "Eerlijk werken"}}

# UWV: one row per quarter, region and measure, a count and its share.
UWV_HEADER = ["kwartaal", "regio", "maatstaf", "aantal", "procent"]
UWV_ROWS = [UWV_HEADER, ["2024KW01", "Zeeland", "vacatures", 5300, None], ["2024KW01", "Nederland", "vacatures", 412000, None],
            ["2024KW01", "Zeeland", "ww_kort", 1100, 0.5]]
UWV_LAYOUT = {"reader": "xlsx_table", "source_id": "uwv", "dataset_id": "test", "orientation": "long",
              "period_column": "kwartaal", "measure_column": "maatstaf",
              "value_columns": {"aantal": {}, "procent": {"indicator_suffix": "_aandeel", "unit": "procent", "skip_empty": True}},
              "dimensions": {"regio": {"column": "regio", "total": "Nederland"}},
              "measures": {"vacatures": {"indicator_id": "uwv_openstaande_vacatures", "unit": "vacatures"},
                           "ww_kort": {"indicator_id": "uwv_ww_maximaal_half_jaar", "unit": "personen"}}}


def test_arbeidsinspectie_shaped_workbook():
    df = readers.read(snap("kerncijfers.xlsx", workbook(AI_ROWS, "Kerncijfers"), AI_LAYOUT | {"sheet": "Kerncijfers"}))
    assert df.schema == pl.Schema(OBSERVATION_SCHEMA)
    got = {(r["indicator_id"], r["period_code"]): (r["value"], r["status"], r["source_row"]) for r in df.to_dicts()}
    assert got == {("inspecties_en_onderzoeken", "2023JJ00"): (2812.0, "published", 1),
                   ("inspecties_en_onderzoeken", "2024JJ00"): (3001.0, "published", 1),
                   ("stilleggingen", "2023JJ00"): (17.0, "published", 2),
                   ("stilleggingen", "2024JJ00"): (None, "missing", 2)}
    assert set(df["breakdown"]) == {"domein=Eerlijk werken"} and set(df["how_obtained"]) == {"file_download"}


def test_uwv_shaped_workbook_long_with_two_value_columns():
    df = readers.read(snap("uwv.xlsx", workbook(UWV_ROWS), UWV_LAYOUT))
    got = sorted((r["indicator_id"], r["breakdown"], r["value"], r["unit"]) for r in df.to_dicts())
    assert got == [("uwv_openstaande_vacatures", "", 412000.0, "vacatures"),
                   ("uwv_openstaande_vacatures", "regio=Zeeland", 5300.0, "vacatures"),
                   ("uwv_ww_maximaal_half_jaar", "regio=Zeeland", 1100.0, "personen"),
                   ("uwv_ww_maximaal_half_jaar_aandeel", "regio=Zeeland", 0.5, "procent")]
    assert set(df["period_type"]) == {"quarter"}


def test_csv_and_xlsx_of_the_same_table_give_the_same_observations():
    csv_bytes = ("\n".join(",".join("" if v is None else str(v) for v in row) for row in UWV_ROWS) + "\n").encode()
    from_csv = readers.read(snap("uwv.csv", csv_bytes, UWV_LAYOUT | {"reader": "csv_table"}))
    from_xlsx = readers.read(snap("uwv.csv", workbook(UWV_ROWS), UWV_LAYOUT))
    drop = ["snapshot_sha256"]
    assert from_csv.drop(drop).sort("source_row", "measure").equals(from_xlsx.drop(drop).sort("source_row", "measure"))


@pytest.mark.parametrize(
    ("rows", "layout_change", "expected"),
    [
        ([*AI_ROWS[:3], ["Inspecties eerlijk werk", "1.234", 3001]], {}, ["cell B4", "numbers stored as text", "'1.234'", "row 1", "field '2023'"]),
        ([*AI_ROWS[:3], ["Boetes", 1, 2]], {}, ["'Boetes'", "not a measure of the layout", "row 1", "field 'Kerncijfer'"]),
        ([*AI_ROWS[:2], ["Kerncijfer", "2023", "toelichting"], ["Stilleggingen", 1, "x"]], {}, ["field 'toelichting'", "renamed or new"]),
        (AI_ROWS, {"footer": None}, ["Excel row 7", "footer: ignore"]),
        (AI_ROWS, {"sheet": "Blad9"}, ["no sheet 'Blad9'", "layout.sheet"]),
        (AI_ROWS, {"header_row": 2}, ["no header on row 2"]),
        (AI_ROWS, {"mesures": {}}, ["layout.mesures", "unknown layout key"]),
        (AI_ROWS, {"orientation": "sideways"}, ["layout.orientation", "sideways"]),
    ],
    ids=["number-as-text", "unknown-row", "unknown-column", "notes-below", "missing-sheet", "wrong-header-row",
         "misspelt-key", "bad-orientation"],
)
def test_spreadsheet_errors_name_file_field_and_row(rows, layout_change, expected):
    layout = {k: v for k, v in (AI_LAYOUT | {"sheet": "Kerncijfers"} | layout_change).items() if v is not None}
    with pytest.raises(SourceFormatError) as err:
        readers.read(snap("kerncijfers.xlsx", workbook(rows, "Kerncijfers"), layout))
    text = str(err.value)
    assert "test/kerncijfers.xlsx" in text
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"


def test_truncated_workbook_is_refused():
    data = workbook(AI_ROWS, "Kerncijfers")
    with pytest.raises(SourceFormatError, match="not a readable .xlsx workbook"):
        readers.read(snap("kerncijfers.xlsx", data[: len(data) // 2], AI_LAYOUT))


def test_csv_periods_in_columns_explicit_mapping():
    data = b"Kerncijfer,Jaar 2023,Jaar 2024\nStilleggingen,17,21\n"
    layout = {"reader": "csv_table", "source_id": "arbeidsinspectie", "dataset_id": "t", "orientation": "periods_in_columns",
              "measure_column": "Kerncijfer", "period_columns": {"Jaar 2023": "2023", "Jaar 2024": "2024"},
              "measures": {"Stilleggingen": {"indicator_id": "stilleggingen", "unit": "stilleggingen"}}}
    df = readers.read(snap("t.csv", data, layout))
    assert sorted(zip(df["period_code"], df["value"])) == [("2023JJ00", 17.0), ("2024JJ00", 21.0)]
    with pytest.raises(SourceFormatError, match="required column is missing"):
        readers.read(snap("t.csv", data.replace(b"Jaar 2024", b"2024"), layout))


def test_reference_table_reader():
    data = b"klasse,onder,boven\nlaag,,1.5\nhoog,1.5,\n"
    layout = {"reader": "reference_csv", "table": "raw_test__klassen", "columns": {"klasse": "text", "onder": "number", "boven": "number"}}
    s = snap("k.csv", data, layout)
    assert readers.is_reference(s)
    df = readers.read_reference(s)
    assert df.select("klasse", "onder", "boven").rows() == [("laag", None, 1.5), ("hoog", 1.5, None)]
    assert df["url"].to_list() == ["https://example.org/t"] * 2 and df["source_row"].to_list() == [1, 2]
    with pytest.raises(SourceFormatError, match="column not in layout") as err:
        readers.read_reference(snap("k.csv", b"klasse,onder,boven,bron\nlaag,,1.5,a\n", layout))
    assert "field 'bron'" in str(err.value)


PF_HEADER = "indicator,period,value,value_qualifier,value_lower,value_upper,unit,geography,breakdown,publisher,document_title,url,published,quote,how_obtained"


def _pf(*lines: str) -> Snapshot:
    data = ("\n".join([PF_HEADER, *lines]) + "\n").encode()
    return snap("pf.csv", data, {"reader": "published_figures", "source_id": "register", "dataset_id": "t"})


def test_published_figures_breakdown_range_and_vintage():
    df = readers.read(_pf(
        'bevolking,2050,,,19000000,20000000,personen,Nederland,scenario=gematigde groei,P,T,https://example.org/a,2024-01-15 (uit URL),"19 tot 20 miljoen",x',
        'aandeel,2021,37,,,,procent,Nederland,zendend_land=Polen;sector=bouw,P,T,https://example.org/a,ongedateerd,"37%",x',
        'schatting,onbekend,220000,,,,personen,Nederland,,P,T,https://example.org/a,2023,"220.000",x'))
    rows = {r["indicator_id"]: r for r in df.to_dicts()}
    assert rows["bevolking"]["value"] is None and rows["bevolking"]["status"] == "published"
    assert (rows["bevolking"]["value_lower"], rows["bevolking"]["value_upper"]) == (19e6, 20e6)
    assert rows["bevolking"]["vintage"] == "2024-01-15" and rows["bevolking"]["published"] == "2024-01-15 (uit URL)"
    assert rows["aandeel"]["breakdown"] == "sector=bouw;zendend_land=Polen"
    # defect 8: an undated page is undated, never the sidecar's (collection) date
    assert rows["aandeel"]["vintage"] == "ongedateerd"
    assert (rows["schatting"]["period_type"], rows["schatting"]["period_start"]) == ("undated", None)
    with pytest.raises(SourceFormatError, match="expected dimension=label") as err:
        readers.read(_pf('a,2021,1,,,,procent,Nederland,Polen,P,T,https://example.org/a,2023,"q",x'))
    assert "row 1" in str(err.value) and "field 'breakdown'" in str(err.value)


@pytest.mark.parametrize(("code", "kind", "start", "end"), [
    ("2020-2021", "other", date(2020, 1, 1), date(2021, 12, 31)),
    ("1997-2020", "other", date(1997, 1, 1), date(2020, 12, 31)),
    ("onbekend", "undated", None, None),
    ("2019-01/2019-08", "part_year", date(2019, 1, 1), date(2019, 8, 31)),
])
def test_period_spans_and_unknown(code, kind, start, end):
    p = parse_period(code)
    assert (p.code, p.type, p.start, p.end) == (code, kind, start, end)


@pytest.mark.parametrize("code", ["2019-01/2019-12", "2019-08/2019-01", "2019-01/2020-08", "2019-00/2019-08"])
def test_a_part_year_is_months_of_one_year_and_not_the_whole_year(code):
    """Defect 6: January-August counts were coded as the full year; a part-year period says what it covers."""
    with pytest.raises(ValueError, match="part-year"):
        parse_period(code)
    assert parse_period("2019-01/2019-08").label == "2019 januari t/m augustus"


def test_backwards_span_is_not_a_period():
    with pytest.raises(ValueError, match="earlier to a later year"):
        parse_period("2021-2020")


def test_a_statline_figure_without_locator_gets_one_generated():
    """Defect 5: 815 CBS rows had neither quote nor locator; a StatLine figure is located by table, measure, keys, period."""
    from pipelines.core.observations import observation

    class _Snap:
        id, sha256 = "cbs/84545NED/x.csv", "0" * 64
        origin = {"producer": "CBS", "title": "t", "url": "https://opendata.cbs.nl/x", "published": "2024-05-15",
                  "obtained": "file_download"}
    row = observation(_Snap(), source_row=1, source_id="cbs", dataset_id="84545NED", indicator_id="v", measure="M001",
                      period="2022KW03", value=445.3, unit="x 1 000", status="definitief",
                      dimensions={"Bedrijfskenmerken": "T001081"})
    assert row["locator"] == "StatLine 84545NED: M001, Bedrijfskenmerken=T001081, 2022KW03"
    assert row["from_snapshot_document"] is True
    other = observation(_Snap(), source_row=1, source_id="cbs", dataset_id="cbs_publicaties", indicator_id="v", measure="m",
                        period="2022KW03", value=1.0, unit="x", status="p", url="https://example.org/news")
    assert other["locator"] is None and other["from_snapshot_document"] is False
