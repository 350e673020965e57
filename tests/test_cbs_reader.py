"""Captured pages become observations: periods, statuses, labels, indicator ids, breakdowns."""

import dataclasses
import json

import polars as pl
import pytest

from pipelines.core.errors import SourceFormatError
from pipelines.core.observations import OBSERVATION_SCHEMA
from pipelines.core.snapshots import SnapshotStore
from pipelines.sources.cbs.odata.capture import capture_table
from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.transport import RetryPolicy, Transport
from pipelines.sources.cbs.tables import TableConfigError, load_tables, parse_tables, table_spec
from pipelines.sources.common import readers
from tests.fakes.cbs_odata import FakeCbs, FakeDim, FakeMeasure, FakeTable, immigrants_by_motive, quarters, vacancies_by_sector


def _read(tmp_path, table, spec, page_size=17):
    with FakeCbs([table], page_size=page_size) as cbs, Transport(RetryPolicy(max_attempts=1)) as t:
        result = capture_table(spec, store_root=tmp_path / "s", work_dir=tmp_path / "w",
                               endpoints=Endpoints.resolve(cbs.base_url), transport=t)
    return readers.read(SnapshotStore(tmp_path / "s").read(result.snapshot_id))


def test_periods_statuses_and_labels(tmp_path):
    table = vacancies_by_sector()
    df = _read(tmp_path, table, table_spec("80472NED"))
    assert df.schema == pl.Schema(OBSERVATION_SCHEMA)
    assert df.height == table.row_count * 3
    q = df.filter((pl.col("period_code") == "2024KW03") & (pl.col("breakdown") == "")
                  & (pl.col("measure") == "OpenstaandeVacatures_1")).row(0, named=True)
    assert (q["period_type"], str(q["period_start"]), str(q["period_end"])) == ("quarter", "2024-07-01", "2024-09-30")
    assert q["period_label"] == "2024 3e kwartaal*" and q["status"] == "voorlopig"
    assert q["indicator_id"] == "vacatures_openstaand" and q["measure_label"] == "Openstaande vacatures"
    assert q["unit"] == "x 1 000" and q["decimals"] == 1 and q["vintage"] == "2031-05-15"
    assert json.loads(q["dimensions"]) == {"Bedrijfskenmerken": "T001081"}  # padding stripped
    y = df.filter(pl.col("period_code") == "2022JJ00").row(0, named=True)
    assert y["period_type"] == "year" and y["status"] == "definitief"
    sector = df.filter(pl.col("breakdown") == "Bedrijfskenmerken=F000002").row(0, named=True)
    assert json.loads(sector["dimension_labels"]) == {"Bedrijfskenmerken": "Synthetische sector 2"}
    # the value of a cell equals the server's row (source_row = ID + 1)
    cell = df.filter((pl.col("source_row") == 8) & (pl.col("measure") == "VervuldeVacatures_3")).row(0, named=True)
    assert cell["value"] == table.row(7)["VervuldeVacatures_3"]
    missing = df.filter(pl.col("value").is_null())
    assert missing.height and set(missing["status"]) == {"missing"}


def test_time_dimension_found_by_type_not_name(tmp_path):
    df = _read(tmp_path, immigrants_by_motive(), table_spec("84809NED"))
    assert set(df["period_type"]) == {"year"} and df["period_code"].min() == "2026JJ00"
    total = df.filter(pl.col("breakdown") == "Verblijfsduur=F000003")
    assert total.height == 5  # Geslacht, Migratiemotief at their totals (tables.yaml) are not in the breakdown


def test_untyped_data_set_keeps_symbols(tmp_path):
    spec = dataclasses.replace(table_spec("84809NED"), data_set="UntypedDataSet")
    df = _read(tmp_path, immigrants_by_motive(), spec)
    assert {"secret", "missing"} <= set(df["status"])
    assert df.filter(pl.col("status") == "secret")["value"].null_count() == df.filter(pl.col("status") == "secret").height


def _tension_parts():
    sa = [("F100001", "Seizoengecorrigeerde cijfers", None), ("F100002", "Ongecorrigeerde cijfers", None)]
    periods = quarters(2030, 2030, 2030, annual=False)
    unemployed = FakeTable("85224NED", "Arbeidsdeelname; synthetisch", "2031-02-14T02:00:00",
                           [FakeDim("SeizoenEnWerkdagcorrectie", "Seizoen- en werkdagcorrectie", sa),
                            FakeDim("Perioden", "Perioden", periods, "TimeDimension")],
                           [FakeMeasure("WerklozeBeroepsbevolking_9", "Werkloze beroepsbevolking", "x 1 000", 0),
                            FakeMeasure("Werkloosheidspercentage_25", "Werkloosheidspercentage", "%", 1),
                            FakeMeasure("WerkzameBeroepsbevolking_3", "Werkzame beroepsbevolking", "x 1 000", 0)],
                           missing_every=10**9, secret_every=10**9)
    vacancies = FakeTable("84545NED", "Vacatures; synthetisch", "2031-02-14T02:00:00",
                          [FakeDim("Perioden", "Perioden", periods, "TimeDimension")],
                          [FakeMeasure(f"Vacatures_{i}", t, "x 1 000", 1, group="Vacatures seizoengecorrigeerd")
                           for i, t in enumerate(["openstaand", "ontstaan", "vervuld"], 1)],
                          missing_every=10**9, secret_every=10**9)
    return unemployed, vacancies


def test_titles_and_where_map_to_the_monitor_indicators(tmp_path):
    unemployed, vacancies = _tension_parts()
    u = _read(tmp_path / "u", unemployed, table_spec("85224NED"))
    sa = u.filter(pl.col("indicator_id") == "werkloze_beroepsbevolking_sa")
    assert sa.height == 4 and set(sa["breakdown"]) == {""}  # the s.a. dimension is part of the indicator
    raw = u.filter(pl.col("indicator_id") == "cbs_85224ned_werklozeberoepsbevolking_9")
    assert set(raw["breakdown"]) == {"SeizoenEnWerkdagcorrectie=F100002"}
    v = _read(tmp_path / "v", vacancies, table_spec("84545NED"))
    assert set(v["indicator_id"]) == {"vacatures_openstaand_sa", "vacatures_ontstaan_sa", "vacatures_vervuld_sa"}
    assert v.filter(pl.col("measure") == "Vacatures_1")["measure_label"][0] == "Vacatures seizoengecorrigeerd openstaand"


def test_renamed_measure_fails_naming_tables_yaml(tmp_path):
    unemployed, _ = _tension_parts()
    unemployed.measures[0] = FakeMeasure("WerklozeBeroepsbevolking_9", "Werklozen (nieuwe naam)", "x 1 000", 0)
    with pytest.raises(SourceFormatError) as err:
        _read(tmp_path, unemployed, table_spec("85224NED"))
    text = str(err.value)
    assert "tables.85224NED.measures[0]" in text and "Werkloze beroepsbevolking" in text


def test_the_table_set_is_complete_and_valid():
    tables = load_tables()
    assert {"80474NED", "84545NED", "85224NED", "80472NED", "84809NED", "84808NED", "85905NED", "85477NED", "84729NED"} <= set(tables)
    ids = {m.indicator_id for t in tables.values() for m in t.measures}
    assert {"vacatures_openstaand_sa", "werkloze_beroepsbevolking_sa"} <= ids


def test_bad_table_set_is_named():
    with pytest.raises(TableConfigError) as err:
        parse_tables({"tables": {"80472NED": {"api": "v5", "measures": [{"indicator_id": "Bad Id"}]}}})
    text = str(err.value)
    assert "tables.80472NED.api" in text and "tables.80472NED.measures[0]" in text and "indicator_id" in text
