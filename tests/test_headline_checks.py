"""The verdicts of "the advice's figures checked" (sql/marts/mart__headline_checks.sql), case by case.

A small DuckDB fixture holds only the columns the mart reads: a headline register, an indicator register, figures
and the recomputed tension. Each case is one cited figure with the source rows that decide its verdict. The last
tests hold the mart built from the shipped snapshots to figures known from the documents.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.sources_kit import query
from tests.test_register_headlines import RECORDS, built_warehouse

REPO = Path(__file__).resolve().parents[1]
SQL = (REPO / "sql/marts/mart__headline_checks.sql").read_text(encoding="utf-8")

REGISTER_COLUMNS = (
    "figure_id VARCHAR, item INTEGER, label_nl VARCHAR, label_en VARCHAR, cited_text VARCHAR, cited_value DOUBLE, "
    "cited_lower DOUBLE, cited_upper DOUBLE, cited_rounding DOUBLE, cited_comparison VARCHAR, cited_period_code VARCHAR, "
    "seed VARCHAR, seed_lines VARCHAR, cited_source VARCHAR, cited_indicator_id VARCHAR, cited_breakdown VARCHAR, "
    "compare_indicator_id VARCHAR, compare_period_code VARCHAR, compare_breakdown VARCHAR, states_current BOOLEAN, "
    "searched_nl VARCHAR, searched_en VARCHAR, note_nl VARCHAR, note_en VARCHAR, chapter VARCHAR, key_figure BOOLEAN, "
    "estimate BOOLEAN, register_file VARCHAR, register_row INTEGER"
)
FIGURE_COLUMNS = (
    "indicator_id VARCHAR, concept_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, period_type VARCHAR, "
    "period_start DATE, value DOUBLE, value_lower DOUBLE, value_upper DOUBLE, confidence VARCHAR, status VARCHAR, "
    "vintage DATE, publisher VARCHAR, document_title VARCHAR, url VARCHAR, citation VARCHAR, snapshot_id VARCHAR, "
    "source_row INTEGER, is_current BOOLEAN, quote VARCHAR, locator VARCHAR"
)
QUARTERS = {"2021KW04": "2021-10-01", "2024KW03": "2024-07-01", "2025KW01": "2025-01-01"}


def _start(code: str) -> str | None:
    if code in QUARTERS:
        return QUARTERS[code]
    return f"{code[:4]}-01-01" if code.endswith("JJ00") else None


def _type(code: str) -> str:
    return "quarter" if "KW" in code else "year" if code.endswith("JJ00") else "other"


class Fixture:
    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"CREATE TABLE raw_monitor__headline_figures ({REGISTER_COLUMNS})")
        self.con.execute("CREATE TABLE raw_monitor__indicators (indicator_id VARCHAR, concept_id VARCHAR, "
                         "concept_unit VARCHAR, concept_unit_factor DOUBLE)")
        self.con.execute(f"CREATE TABLE mart__figures ({FIGURE_COLUMNS})")
        self.con.execute("CREATE TABLE mart__labour_market_tension (period_code VARCHAR, period_start DATE, as_of DATE, "
                         "vacancies_per_100_unemployed DOUBLE, status VARCHAR, vacancies_snapshot_id VARCHAR, is_latest BOOLEAN)")
        for macro in sorted((REPO / "sql/macros").glob("monitor_*_text.sql")):
            self.con.execute("\n".join(line for line in macro.read_text().splitlines() if not line.startswith("--")))
        self.rows = 0

    def indicator(self, indicator_id, concept_id=None, unit="personen", factor=1):
        self.con.execute("INSERT INTO raw_monitor__indicators VALUES (?, ?, ?, ?)",
                         [indicator_id, concept_id or indicator_id, unit, factor])

    def figure(self, indicator_id, period, value=None, confidence="primary", vintage="2025-07-01", concept_id=None,
               lower=None, upper=None, breakdown="", publisher="Producer"):
        self.rows += 1
        self.con.execute(
            f"INSERT INTO mart__figures VALUES ({', '.join('?' * 21)})",
            [indicator_id, concept_id or indicator_id, breakdown, period, _type(period), _start(period), value, lower,
             upper, confidence, "definitive", vintage, publisher, "Document", "https://example.org", "citation",
             "snap.csv", self.rows, True, "quote", "regel 1"])

    def cite(self, figure_id, indicator_id, period, value=None, *, compare=None, rounding=1, comparison="about",
             states_current=True, lower=None, upper=None, searched="searched"):
        self.figure(indicator_id, period, value, "cited_only", "2025-10-01", lower=lower, upper=upper)
        mapped = compare or (None, None)
        self.con.execute(
            f"INSERT INTO raw_monitor__headline_figures VALUES ({', '.join('?' * 29)})",
            [figure_id, int(figure_id[:2]), "label", "label", str(value), value, lower, upper, rounding, comparison,
             period, "001", "1", "Source", indicator_id, "", mapped[0], mapped[1], "" if compare else None,
             states_current, searched, searched, None, None, "sec-aantal", False, False, "headline_figures.yaml", 1])

    def verdicts(self) -> dict[str, dict]:
        rows = self.con.execute(f"SELECT * FROM ({SQL})").fetchall()
        names = [d[0] for d in self.con.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in rows}


@pytest.fixture
def fx() -> Fixture:
    f = Fixture()
    for ind in ("persons", "shares", "ranges", "no_source"):
        f.indicator(ind)
    f.indicator("persons_cited", concept_id="persons")
    f.indicator("vacancies_x1000", concept_id="vacancies", factor=1000)
    f.indicator("vacancies_news", concept_id="vacancies")
    f.indicator("vacatures_per_100_werklozen")
    return f


def test_reproduced_within_rounding_from_a_primary_source(fx):
    fx.figure("persons", "2024JJ00", 27304)
    fx.cite("04a", "persons_cited", "2024JJ00", 27300, compare=("persons", "2024JJ00"), rounding=100)
    row = fx.verdicts()["04a"]
    assert row["verdict"] == "reproduced" and row["source_value"] == 27304
    assert "27.304" in row["reason_nl"] and "27,304" in row["reason_en"]


def test_differs_beyond_rounding(fx):
    fx.figure("persons", "2022JJ00", 984169)
    fx.cite("01b", "persons_cited", "2022JJ00", 985000, compare=("persons", "2022JJ00"), rounding=1000)
    row = fx.verdicts()["01b"]
    assert row["verdict"] == "differs"
    assert "831" in row["reason_en"]


def test_only_a_secondary_source_agrees(fx):
    fx.figure("persons", "2025JJ00", 200000, confidence="secondary")
    fx.cite("09a", "persons_cited", "2025JJ00", 200000, compare=("persons", "2025JJ00"), rounding=1000)
    assert fx.verdicts()["09a"]["verdict"] == "reproduced_secondary"


def test_primary_beats_a_newer_secondary_as_the_figure_shown(fx):
    fx.figure("persons", "2024JJ00", 27304, confidence="primary", vintage="2025-07-01")
    fx.figure("persons", "2024JJ00", 27000, confidence="secondary", vintage="2025-09-01")
    fx.cite("04a", "persons_cited", "2024JJ00", 27300, compare=("persons", "2024JJ00"), rounding=100)
    row = fx.verdicts()["04a"]
    assert (row["verdict"], row["source_value"], row["source_confidence"]) == ("reproduced", 27304, "primary")


def test_revised_since_when_only_an_earlier_publication_agrees(fx):
    # first estimate 449.000 in the news; the StatLine table now says 445,3 thousand for the same quarter
    fx.figure("vacancies_news", "2024KW03", 449000, confidence="secondary", vintage="2024-11-15", concept_id="vacancies")
    fx.figure("vacancies_x1000", "2024KW03", 445.3, confidence="primary", vintage="2025-05-15", concept_id="vacancies")
    fx.cite("16b", "vacancies_news", "2024KW03", 449000, compare=("vacancies_x1000", "2024KW03"), rounding=1000,
            states_current=False)
    row = fx.verdicts()["16b"]
    assert row["verdict"] == "revised_since"
    assert row["source_value"] == pytest.approx(445300)
    assert "449.000" in row["reason_nl"] and "445.300" in row["reason_nl"]


def test_superseded_when_stated_as_current_and_a_newer_period_exists(fx):
    fx.figure("vacatures_per_100_werklozen", "2024KW03", 106)
    fx.figure("vacatures_per_100_werklozen", "2025KW01", 98, confidence="secondary")
    fx.cite("15a", "vacatures_per_100_werklozen", "2024KW03", 106, compare=("vacatures_per_100_werklozen", "2024KW03"))
    row = fx.verdicts()["15a"]
    assert row["verdict"] == "superseded"
    assert (row["latest_period_code"], row["latest_value"]) == ("2025KW01", 98)
    assert "Q1 2025" in row["reason_en"]


def test_a_figure_quoted_as_history_is_not_superseded(fx):
    fx.figure("vacatures_per_100_werklozen", "2021KW04", 106)
    fx.figure("vacatures_per_100_werklozen", "2025KW01", 98)
    fx.cite("15b", "vacatures_per_100_werklozen", "2021KW04", 106, compare=("vacatures_per_100_werklozen", "2021KW04"),
            states_current=False)
    row = fx.verdicts()["15b"]
    assert row["verdict"] == "reproduced" and row["latest_period_code"] == "2025KW01"


def test_recomputed_tension_counts_as_the_producers_figure(fx):
    fx.con.execute("INSERT INTO mart__labour_market_tension VALUES ('2021KW04', '2021-10-01', '2024-05-15', 105.9, "
                   "'definitive', 'cbs.csv', true)")
    fx.cite("15b", "vacatures_per_100_werklozen", "2021KW04", 106, compare=("vacatures_per_100_werklozen", "2021KW04"),
            states_current=False)
    row = fx.verdicts()["15b"]
    assert row["verdict"] == "reproduced" and row["source_recomputed"]
    assert "105,9" in row["reason_nl"]


def test_cited_only_without_a_mapping_or_without_source_rows(fx):
    fx.cite("14a", "no_source", "2024JJ00", 17, searched="the annual report is not held")
    fx.cite("17a", "shares", "2024JJ00", 36, compare=("shares", "2024JJ00"), searched="no January release")
    fx.figure("shares", "2025JJ00", 36, confidence="secondary", publisher="CBS (via news)")
    rows = fx.verdicts()
    assert rows["14a"]["verdict"] == "cited_only" and "the annual report is not held" in rows["14a"]["reason_en"]
    assert rows["17a"]["verdict"] == "cited_only"
    assert rows["17a"]["latest_period_code"] == "2025JJ00" and "CBS (via news)" in rows["17a"]["reason_en"]
    assert rows["14a"]["cited_held"] and rows["14a"]["source_figures"] == 0


@pytest.mark.parametrize(("comparison", "source", "verdict"), [
    ("more_than", 331000, "reproduced"), ("more_than", 250000, "differs"),
    ("less_than", 3.2, "reproduced"), ("less_than", 4.6, "differs"), ("about", 300400, "reproduced"),
    ("about", 301000, "differs"),
])
def test_more_than_and_less_than_read_the_words(fx, comparison, source, verdict):
    cited = 4 if comparison == "less_than" else 300000
    fx.figure("persons", "2025JJ00", source)
    fx.cite("23a", "persons_cited", "2025JJ00", cited, compare=("persons", "2025JJ00"),
            rounding=1 if comparison == "less_than" else 1000, comparison=comparison)
    assert fx.verdicts()["23a"]["verdict"] == verdict


def test_a_range_agrees_when_both_ends_do(fx):
    fx.figure("ranges", "2050JJ00", lower=19e6, upper=20e6)
    fx.cite("24b", "ranges", "2050JJ00", lower=19e6, upper=20e6, compare=("ranges", "2050JJ00"), rounding=1e6)
    fx.cite("24c", "ranges", "2050JJ00", lower=19e6, upper=21e6, compare=("ranges", "2050JJ00"), rounding=1e6)
    rows = fx.verdicts()
    assert rows["24b"]["verdict"] == "reproduced" and rows["24c"]["verdict"] == "differs"


# --- the mart built from the shipped snapshots ---------------------------------------------------------------------

def _shipped() -> dict[str, dict]:
    warehouse = built_warehouse()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT * FROM mart__headline_checks").fetchall()
        names = [d[0] for d in con.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in rows}


def test_every_item_and_record_has_a_verdict_and_reasons():
    rows = _shipped()
    assert set(rows) == {r["figure_id"] for r in RECORDS}
    assert {r["item"] for r in rows.values()} == set(range(1, 26))
    for row in rows.values():
        assert row["verdict"] and row["reason_nl"] and row["reason_en"] and row["cited_held"], row["figure_id"]


def test_known_figures_from_the_documents():
    rows = _shipped()
    assert (rows["04a"]["verdict"], rows["04a"]["source_value"]) == ("reproduced", 27304)  # SER 27.300 = letter's 27.304
    assert (rows["01a"]["verdict"], rows["01a"]["source_value"]) == ("reproduced", 735000)  # SEO 2019
    assert (rows["01b"]["verdict"], rows["01b"]["source_value"]) == ("differs", 984169)  # ≈985.000 vs ABU/NBBU 984.169
    assert rows["01c"]["verdict"] == "cited_only"  # Decisio 1,1 mln: no Decisio publication held
    assert rows["15b"]["verdict"] == "reproduced" and rows["15b"]["source_recomputed"]  # 2021Q4 from 84545NED/85224NED
    assert query(built_warehouse(), "SELECT count(*) FROM mart__headline_checks WHERE verdict = 'cited_only' "
                                    "AND reason_en NOT LIKE 'No source other than the citation%'")[0][0] == 0
