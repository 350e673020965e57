"""The CBS marts on the shipped snapshots: revisions between vintages, reported vs recomputed tension."""

import duckdb
import pytest

pytestmark = pytest.mark.slow


def _q(built, sql):
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_revisions_show_what_changed_and_by_how_much(built):
    rows = _q(built, "SELECT previous_vintage, vintage, previous_value, value, change, revision_kind FROM mart__cbs_revisions "
                     "WHERE indicator_id = 'immigranten_totaal' AND period_code = '2023JJ00'")
    assert rows == [("2024-07-02", "2025-06", 336000.0, 335000.0, -1000.0, "value_revised")]


def test_headline_tension_2024q3_recomputes_from_its_reported_parts(built):
    rows = _q(built, "SELECT reported, reported_vacancies, reported_unemployed, recomputed_from_reported_parts, confidence "
                     "FROM mart__labour_market_tension_reported WHERE period_code = '2024KW03' AND reported_vacancies IS NOT NULL")
    assert rows == [(106.0, 397000.0, 374000.0, 106.1, "secondary")]


def test_reported_2024q1_matches_the_recomputation(built):
    (reported, latest), = _q(built, "SELECT reported, recomputed_latest FROM mart__labour_market_tension_reported "
                                    "WHERE period_code = '2024KW01'")
    assert round(latest) == reported == 110


def test_old_method_reports_are_flagged(built):
    rows = _q(built, "SELECT reported, recomputed_latest, old_ebb_method FROM mart__labour_market_tension_reported "
                     "WHERE period_code = '2021KW03' AND old_ebb_method")
    assert rows and rows[0][0] == 126 and rows[0][1] == pytest.approx(92.7)
