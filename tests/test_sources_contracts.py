"""The contracts of the source tables refuse the defects a transcription can have, and say where they are.

Each defect is made in a real snapshot (bytes changed in memory), read by the real reader, loaded into DuckDB and
checked with the validation runner the build uses; the failure must name the file, the field and the row.
"""

import duckdb
import polars as pl
import pytest

from pipelines.core.snapshots import Snapshot, SnapshotStore
from pipelines.core.warehouse import replace_table
from pipelines.sources.common import readers
from pipelines.validation.contracts import load_contracts
from pipelines.validation.runner import validate_table
from tests.conftest import SNAPSHOTS

UWV_TABLE = "uwv/jaarverslagen_twv_gvva/uwv_twv_gvva_jaarverslagen_2014_2019.csv"
AI_CITED = "arbeidsinspectie/ser_briefadvies_2025/ser_geciteerde_cijfers_arbeidsinspectie.csv"
IND_CITED = "ind/ser_briefadvies_2025/ser_geciteerde_cijfers_ind.csv"
STORE = SnapshotStore(SNAPSHOTS)


def _origins() -> pl.DataFrame:
    return pl.DataFrame([{"snapshot_id": s.id, "sha256": s.sha256} for s in STORE.verify_all()])


def _replace(snapshot_id: str, old: str, new: str, count: int = 1) -> Snapshot:
    snap = STORE.read(snapshot_id)
    text = snap.data.decode("utf-8")
    assert old in text, old
    return Snapshot(snap.id, snap.path, snap.origin, text.replace(old, new, count).encode("utf-8"))


def _check(table: str, df: pl.DataFrame):
    con = duckdb.connect()
    replace_table(con, "raw_snapshots__origins", _origins())
    replace_table(con, table, df)
    report = validate_table(con, load_contracts()[table])
    con.close()
    return report


def _failed(report, rule: str) -> str:
    failures = {r.rule.name: r for r in report.blocking_failures}
    assert rule in failures, f"{rule} did not fail:\n{report.describe()}"
    return failures[rule].describe()


def test_shipped_files_pass_their_contracts():
    for source, file in (("uwv", UWV_TABLE), ("arbeidsinspectie", AI_CITED)):
        report = _check(f"raw_{source}__observations", readers.read(STORE.read(file)))
        assert report.passed, report.describe()


def test_row_without_origin_is_named():
    """A row whose URL is empty, and a row whose snapshot is not a verified one."""
    df = readers.read(STORE.read(IND_CITED))
    df = df.with_columns(
        pl.when(pl.col("source_row") == 2).then(pl.lit("")).otherwise(pl.col("url")).alias("url"),
        pl.when(pl.col("source_row") == 3).then(pl.lit("ind/elders/onbekend.csv")).otherwise(pl.col("snapshot_id")).alias("snapshot_id"),
    )
    text = _failed(_check("raw_ind__observations", df), "every_row_has_an_origin")
    assert f"snapshot_id='{IND_CITED}', source_row=2" in text and "field='url'" in text
    assert "snapshot_id='ind/elders/onbekend.csv', source_row=3" in text and "no verified snapshot" in text


def test_negative_count_is_named():
    snap = _replace(UWV_TABLE, "2014,jaar,aanvragen_twv_ingediend,6600", "2014,jaar,aanvragen_twv_ingediend,-6600")
    text = _failed(_check("raw_uwv__observations", readers.read(snap)), "counts_not_negative")
    assert f"snapshot_id='{UWV_TABLE}', source_row=1" in text and "field='value'" in text and "-6600" in text


def test_negative_change_is_not_a_negative_count():
    """A fall is written as a negative 'procent t.o.v. ...' and passes (the UWV Spanningsindicator page has two)."""
    snap = STORE.read("uwv/spanningsindicator_2022kw03_accountancyvanmorgen/spanningsindicator_2022kw03.csv")
    df = readers.read(snap)
    assert (df["value"] < 0).sum() == 2
    assert _check("raw_uwv__observations", df).passed


def test_percentage_over_100_is_named():
    snap = _replace(AI_CITED, "onbekend,\"periode niet vermeld (bron: Arbeidsinspectie, 2024)\",4,",
                    "onbekend,\"periode niet vermeld (bron: Arbeidsinspectie, 2024)\",104,")
    text = _failed(_check("raw_arbeidsinspectie__observations", readers.read(snap)), "percentages_at_most_100")
    assert f"snapshot_id='{AI_CITED}', source_row=1" in text and "field='value'" in text and "104" in text


def test_future_period_is_named_unless_projection():
    snap = _replace(AI_CITED, "stilleggingen_feitelijke_sluitingen,2024,", "stilleggingen_feitelijke_sluitingen,2099,")
    text = _failed(_check("raw_arbeidsinspectie__observations", readers.read(snap)), "no_future_periods")
    assert f"snapshot_id='{AI_CITED}', source_row=3" in text and "field='period_code'" in text and "2099JJ00" in text
    scenarios = readers.read(STORE.read("register/staatscommissie_do2050_gematigde_groei/bevolking_2050.csv"))
    assert set(scenarios["status"]) == {"projection"}
    assert _check("raw_register__observations", scenarios).passed


def test_duplicated_figure_is_named_with_both_rows():
    snap = _replace(AI_CITED, "stilleggingen_waarschuwingen,2024,", "stilleggingen_feitelijke_sluitingen,2024,")
    text = _failed(_check("raw_arbeidsinspectie__observations", readers.read(snap)), "one_figure_per_key")
    assert "indicator_id='stilleggingen_feitelijke_sluitingen'" in text and "period_code='2024JJ00'" in text
    assert f"{AI_CITED} row 3; {AI_CITED} row 4" in text


def test_cited_figure_without_its_sentence_is_named():
    df = readers.read(STORE.read(AI_CITED)).with_columns(
        pl.when(pl.col("source_row") == 4).then(pl.lit(None)).otherwise(pl.col("locator")).alias("locator"))
    text = _failed(_check("raw_arbeidsinspectie__observations", df), "cited_only_figures_quote_the_citing_document")
    assert f"snapshot_id='{AI_CITED}', source_row=4" in text and "field='locator'" in text


@pytest.mark.parametrize(("table", "status"), [("stg_uwv__observations", "geraden"), ("stg_register__observations", "")])
def test_staging_status_vocabulary(table, status):
    df = readers.read(STORE.read(AI_CITED)).with_columns(pl.lit("projection").alias("status"))
    df = df.with_columns(pl.when(pl.col("source_row") == 1).then(pl.lit(status)).otherwise(pl.col("status")).alias("status"))
    text = _failed(_check(table, df), "status_vocabulary")
    assert f"snapshot_id='{AI_CITED}', source_row=1" in text and "field='status'" in text
