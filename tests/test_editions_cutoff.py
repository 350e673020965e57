"""An edition holds the figures known on its cut-off date, whenever it is built (pipelines/publication/editions.py)."""

from datetime import date

import duckdb
import pytest

from pipelines.publication.editions import build_edition_warehouse, register_editions, source_date_epoch

EARLY = date(2025, 6, 30)  # before the newest vintages of the shipped snapshots (October 2025) and their retrieval


@pytest.fixture(scope="module")
def editions(built, tmp_path_factory):
    work = built.work / "warehouse.duckdb"
    root = tmp_path_factory.mktemp("editions")
    early = root / "early.duckdb"
    build_edition_warehouse(work, early, EARLY)
    latest = root / "latest.duckdb"
    build_edition_warehouse(work, latest, register_editions()[-1].cutoff)
    return work, early, latest


def _rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_an_early_cutoff_holds_only_the_vintages_known_then(editions):
    work, early, _ = editions
    assert _rows(early, "SELECT max(monitor_vintage_end(vintage, vintage_precision)) FROM mart__figures")[0][0] <= EARLY
    assert _rows(early, "SELECT count(*) FROM mart__figures WHERE vintage_precision = 'undated'") == [(0,)], \
        "undated figures were retrieved after the cut-off: not known then"
    later = _rows(work, f"SELECT count(*) FROM mart__figures WHERE vintage > DATE '{EARLY}'")[0][0]
    assert later > 0, "the shipped snapshots hold later vintages (else this test proves nothing)"
    held = _rows(early, "SELECT count(*) FROM mart__figures")[0][0]
    assert held < _rows(work, "SELECT count(*) FROM mart__figures")[0][0]


def test_the_current_figure_rule_runs_again_on_what_the_edition_knew(editions):
    """Where the figure current today was not known on the cut-off (a later vintage, or undated and retrieved
    later) but another figure of the same concept, breakdown and period was, the edition's current figure is that
    other one: the current-figure rule ran again on what the edition knew."""
    work, early, _ = editions
    with duckdb.connect(str(early), read_only=True) as con:
        con.execute(f"ATTACH '{work}' AS today (READ_ONLY)")
        replaced = con.execute("""
            SELECT e.snapshot_id, e.source_row, t.snapshot_id, t.source_row, e.vintage
            FROM mart__figures_current e JOIN today.mart__figures_current t USING (concept_id, breakdown, period_code)
            WHERE t.vintage IS NULL OR t.vintage > $cutoff""", {"cutoff": EARLY}).fetchall()
        later = con.execute("SELECT count(*) FROM mart__figures_current WHERE vintage IS NULL OR vintage > $cutoff",
                            {"cutoff": EARLY}).fetchone()
    assert replaced, "the shipped snapshots hold a figure current today that replaced one known on the cut-off"
    for edition_snapshot, edition_row, today_snapshot, today_row, vintage in replaced:
        assert (edition_snapshot, edition_row) != (today_snapshot, today_row) and vintage <= EARLY
    assert later == (0,), "no current figure of the edition was unknown on its cut-off"


def test_the_latest_edition_built_today_is_the_whole_warehouse(editions):
    """Every shipped snapshot was retrieved by the first edition's cut-off: it holds every figure."""
    work, _, latest = editions
    sql = "SELECT count(*), sum(hash(concept_id, breakdown, period_code, value, snapshot_id)) FROM mart__figures_current"
    assert _rows(latest, sql) == _rows(work, sql)


def test_the_edition_timestamp_comes_from_its_cutoff():
    assert source_date_epoch(date(2026, 11, 30)) == 1796083199  # 2026-11-30T23:59:59Z
