"""Contracts compile into the rules they state; the named DuckDB checks find exactly the offending rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.core.errors import MonitorError
from pipelines.settings import CONTRACTS_DIR
from pipelines.validation.contract_parts import resolve
from pipelines.validation.contracts import load_contracts
from pipelines.validation.runner import validate_table
from pipelines.validation.sql_checks import compile_check

OBS_COLUMNS = ["indicator_id", "breakdown", "period_code", "period_type", "period_start", "value", "decimals", "unit",
               "status", "vintage", "snapshot_id", "source_row", "value_lower", "value_upper", "published"]


def _obs(con, rows: list[dict], name: str = "obs") -> None:
    """A table with the observation columns the checks use; missing keys default sensibly."""
    from pipelines.core.periods import parse_period

    full = []
    for i, r in enumerate(rows, start=1):
        p = parse_period(r.get("period_code", "2024KW01"))
        full.append({"indicator_id": "x", "breakdown": "", "period_code": p.code, "period_type": p.type,
                     "period_start": p.start.isoformat() if p.start else None, "value": 1.0, "decimals": None,
                     "unit": "personen", "status": "definitive", "vintage": "2024-05-15", "snapshot_id": f"src/f{i}.csv",
                     "source_row": i, "value_lower": None, "value_upper": None} | r)
        full[-1].setdefault("published", full[-1]["vintage"])
    con.execute(f"CREATE OR REPLACE TABLE {name} (indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, "
                "period_type VARCHAR, period_start DATE, value DOUBLE, decimals INTEGER, unit VARCHAR, status VARCHAR, "
                "vintage VARCHAR, snapshot_id VARCHAR, source_row INTEGER, value_lower DOUBLE, value_upper DOUBLE, published VARCHAR)")
    for r in full:
        con.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(OBS_COLUMNS))})", [r[c] for c in OBS_COLUMNS])


def _offending(con, check: str, table: str = "obs", **args) -> list[dict]:
    compiled = compile_check(table, {"check": check, **args}, OBS_COLUMNS)
    rel = con.execute(compiled.query)
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as c:
        yield c


# --------------------------------------------------------------------------------- tension: published vs parts

def _tension_parts(extra: list[dict]) -> list[dict]:
    """Parts as in the shipped snapshots (84545NED 2024-05-15, dashboard 2024-05, 85224NED 2023)."""
    return [
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2024KW01", "value": 410.8, "decimals": 1, "vintage": "2024-05-15"},
        {"indicator_id": "werkloze_beroepsbevolking_sa", "period_code": "2024KW01", "value": 373, "decimals": 0, "vintage": "2024-05"},
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2021KW04", "value": 391.8, "decimals": 1, "vintage": "2024-05-15"},
        {"indicator_id": "werkloze_beroepsbevolking_sa", "period_code": "2021KW04", "value": 370, "decimals": 0, "vintage": "2023"},
        *extra,
    ]


RATIO = {"ratio": "vacatures_per_100_werklozen", "numerator": "vacatures_openstaand_sa",
         "denominator": "werkloze_beroepsbevolking_sa", "scale": 100}


def test_tension_published_by_cbs_equals_its_parts_within_rounding(con):
    _obs(con, _tension_parts([
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2024KW01", "value": 110, "decimals": 0, "vintage": "2024-06"},
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2024KW01", "value": 110.1, "decimals": 1, "vintage": "2024-06-30"},
    ]))
    assert _offending(con, "ratio_matches_parts", **RATIO) == []


def test_tension_that_does_not_equal_its_parts_is_named_with_its_parts(con):
    _obs(con, _tension_parts([
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2024KW01", "value": 112, "decimals": 0,
         "vintage": "2024-06", "snapshot_id": "cbs/dashboard/spanning.csv", "source_row": 7},
    ]))
    [row] = _offending(con, "ratio_matches_parts", **RATIO)
    assert row["snapshot_id"] == "cbs/dashboard/spanning.csv" and row["source_row"] == 7
    assert row["published"] == 112 and row["recomputed"] == pytest.approx(110.134, abs=1e-3)
    assert row["numerator_snapshot"] and row["denominator_vintage"] == "2024-05"


def test_tension_published_before_the_parts_we_hold(con):
    """CBS first published 105 for 2021KW04 and later 106; we hold only later parts (391.8 / 370 = 105.9)."""
    _obs(con, _tension_parts([
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2021KW04", "value": 105, "decimals": 0, "vintage": "2022-02"},
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2021KW04", "value": 106, "decimals": 0, "vintage": "2024-06"},
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2019KW01", "value": 66, "decimals": 0, "vintage": "2019-05"},
    ]))
    assert _offending(con, "ratio_matches_parts", **RATIO) == []  # 106 matches; 105 and 66 cannot be checked as of their vintage
    later = _offending(con, "ratio_matches_parts", **RATIO, parts="later")
    assert sorted((r["period_code"], r["published"], r["recomputed"]) for r in later) == [
        ("2019KW01", 66, None),  # no parts at all: listed, not hidden
        ("2021KW04", 105, pytest.approx(105.892, abs=1e-3)),
    ]


def test_undated_tension_is_not_held_to_the_parts_known_at_its_upper_bound(con):
    """The CBS dashboard item with 121 for 2022KW03 prints no date: its vintage (the file's, 2025-08) is only an
    upper bound, so the blocking as-of comparison skips it and the later-parts comparison lists it."""
    _obs(con, [
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2022KW03", "value": 445.3, "decimals": 1, "vintage": "2024-05-15"},
        {"indicator_id": "werkloze_beroepsbevolking_sa", "period_code": "2022KW03", "value": 372, "decimals": 0, "vintage": "2023"},
        {"indicator_id": "vacatures_per_100_werklozen", "period_code": "2022KW03", "value": 121, "decimals": 0,
         "vintage": "2025-08", "published": "ongedateerd"},
    ])
    assert _offending(con, "ratio_matches_parts", **RATIO) == []
    [later] = _offending(con, "ratio_matches_parts", **RATIO, parts="later")
    assert (later["published"], later["recomputed"]) == (121, pytest.approx(119.704, abs=1e-3))
    # the same figure with a printed date is held to the parts known then, and fails
    con.execute("UPDATE obs SET published = '2025-08-01' WHERE indicator_id = 'vacatures_per_100_werklozen'")
    assert [r["published"] for r in _offending(con, "ratio_matches_parts", **RATIO)] == [121]


def test_tension_rule_passes_on_data_without_cbs_figures(con):
    _obs(con, _tension_parts([]))
    assert _offending(con, "ratio_matches_parts", **RATIO) == []
    assert _offending(con, "ratio_matches_parts", **RATIO, parts="later") == []


# --------------------------------------------------------------------------------- revisions, series, rows

def test_revisions_beyond_tolerance_except_across_a_method_break(con):
    _obs(con, [
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2020KW01", "value": 225.6, "vintage": "2020-05"},
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2020KW01", "value": 286.0, "vintage": "2024-05-15"},
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2019KW04", "value": 285.7, "vintage": "2020-05"},
        {"indicator_id": "vacatures_openstaand_sa", "period_code": "2019KW04", "value": 289.0, "vintage": "2024-05-15"},
        {"indicator_id": "werkloze_beroepsbevolking_sa", "period_code": "2019KW04", "value": 320, "vintage": "2021-11"},
        {"indicator_id": "werkloze_beroepsbevolking_sa", "period_code": "2019KW04", "value": 425, "vintage": "2023"},
    ])
    breaks = [{"indicator_id": "werkloze_*", "at": "2022-02-15", "reason": "EBB"}]
    rows = _offending(con, "revisions_within_tolerance", tolerance=0.1, method_breaks=breaks)
    assert [(r["period_code"], r["previous_value"], r["value"], r["change_pct"]) for r in rows] == [("2020KW01", 225.6, 286.0, 26.8)]
    assert len(_offending(con, "revisions_within_tolerance", tolerance=0.1)) == 2


def test_series_gaps_and_expected_periods(con):
    quarters = ["2019KW01", "2019KW02", "2019KW04", "2020KW01"]
    _obs(con, [{"indicator_id": "a", "period_code": q, "snapshot_id": "cbs/a.csv"} for q in quarters]
         + [{"indicator_id": "b", "period_code": "2019KW01"}, {"indicator_id": "b", "period_code": "2019KW02", "value": None}])
    rows = _offending(con, "series_complete")
    assert [(r["indicator_id"], r["missing_period"]) for r in rows] == [("a", "2019KW03")]
    assert rows[0]["snapshot_ids"] == "cbs/a.csv"
    explained = [{"indicator_id": "a", "from": "2019KW03", "reason": "not published"}]
    assert _offending(con, "series_complete", explained_gaps=explained) == []
    rows = _offending(con, "series_complete", explained_gaps=explained, to="2020KW02", where="indicator_id = 'a'")
    assert [r["missing_period"] for r in rows] == ["2020KW02"]


def test_rows_per_period_and_between_layers(con):
    _obs(con, [{"period_code": "2024KW01"}, {"period_code": "2024KW01", "indicator_id": "y"}, {"period_code": "2024KW02"}])
    _obs(con, [{"period_code": "2024KW01"}, {"period_code": "2024KW02"}], name="raw")
    assert [r["period_code"] for r in _offending(con, "rows_per_period", max=1)] == ["2024KW01"]
    rows = _offending(con, "same_rows_per_period", **{"as": "raw"})
    assert [(r["period"], r["rows_in_raw"], r["rows_here"]) for r in rows] == [("2024KW01", 1, 2)]


def test_signs_shares_and_future_periods(con):
    _obs(con, [
        {"indicator_id": "vacatures", "value": -3},
        {"indicator_id": "ondernemersvertrouwen", "unit": "saldo (stemmingsindicator)", "value": -51.9},
        {"indicator_id": "verandering_kennismigranten_tov_vorig_jaar", "unit": "procent", "value": -26},
        {"indicator_id": "aandeel_positief", "unit": "procent", "value": 178},
        {"indicator_id": "index", "unit": "procent t.o.v. 2021", "value": 130},
        {"indicator_id": "bevolking", "period_code": "2050", "value": 19e6},
        {"indicator_id": "bevolking_scenario", "period_code": "2050", "value": 19e6, "status": "projection"},
    ])
    assert [r["indicator_id"] for r in _offending(con, "not_negative")] == ["vacatures"]
    assert [r["indicator_id"] for r in _offending(con, "share_at_most_100")] == ["aandeel_positief"]
    assert [r["indicator_id"] for r in _offending(con, "period_not_in_future")] == ["bevolking"]


# --------------------------------------------------------------------------------- contracts as files

def test_shipped_contracts_load_and_follow_the_json_schema():
    import jsonschema
    import open_data_contract_standard

    schema = json.loads((Path(open_data_contract_standard.__file__).parent / "schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(CONTRACTS_DIR.glob("*.odcs.yaml")):
        resolved = resolve(yaml.safe_load(path.read_text(encoding="utf-8")), path, path.name)
        doc = json.loads(json.dumps(resolved, default=str))
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].absolute_path)}"
    contracts = load_contracts()
    assert "raw_snapshots__origins" in contracts
    for table, contract in contracts.items():
        assert contract.owner and contract.rules, table


def test_a_new_observation_table_inherits_the_shared_rules(tmp_path):
    shutil.copytree(CONTRACTS_DIR, tmp_path / "data_contracts")
    text = (CONTRACTS_DIR / "raw_wagweu__observations.odcs.yaml").read_text(encoding="utf-8")
    head = text[:text.index("\nschema:")]
    (tmp_path / "data_contracts" / "raw_example__observations.odcs.yaml").write_text(head + """
schema:
  - name: raw_example__observations
    physicalName: raw_example__observations
    physicalType: table
    logicalType: object
    description: a table of another source
    properties: {$part: observation_properties}
    quality:
      - $part: rule_origin
""", encoding="utf-8")
    contracts = load_contracts.__wrapped__(tmp_path / "data_contracts")
    names = {r.name for r in contracts["raw_example__observations"].rules}
    assert {"primary key unique", "counts_not_negative", "percentages_at_most_100", "no_future_periods",
            "url: required", "confidence: required", "every_row_has_an_origin"} <= names
    assert contracts["raw_example__observations"].primary_key == contracts["raw_cbs__observations"].primary_key
    assert contracts["raw_example__observations"].file == "data_contracts/raw_example__observations.odcs.yaml"


def test_contracts_are_one_file_per_table_and_parts_resolve_to_the_same_rules():
    """Every contract file describes the one table it is named after (a {source} file: that table of each source
    without a file of its own); tables that share a part share its columns and its rules."""
    from pipelines.transform.sql_models import SOURCE

    contracts = load_contracts()
    for table, contract in contracts.items():
        stem = Path(contract.file).name.removesuffix(".odcs.yaml")
        assert stem == table or (SOURCE in stem and table not in {Path(c.file).name.removesuffix(".odcs.yaml")
                                                                 for c in contracts.values() if c is not contract}), table
    assert contracts["raw_cbs__observations"].properties == contracts["stg_uwv__observations"].properties
    assert contracts["mart__figures"].properties == contracts["mart__figures_current"].properties
    origin = [r for t in ("raw_cbs__observations", "raw_ind__observations") for r in contracts[t].rules
              if r.name == "every_row_has_an_origin"]
    assert len(origin) == 2 and origin[0].query.replace("raw_cbs", "raw_ind") == origin[1].query


def _write_contract(tmp_path, doc, name="bad.odcs.yaml"):
    (tmp_path / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    shutil.copy(CONTRACTS_DIR / "shared_parts.yaml", tmp_path / "shared_parts.yaml")


@pytest.mark.parametrize(("edit", "field"), [
    (lambda t: t.update(properties={"$part": "observation_propertys"}), "raw_wagweu__observations.properties"),
    (lambda t: t["quality"].append({"$part": "rule_nowhere"}), "raw_wagweu__observations.quality"),
])
def test_a_missing_shared_part_names_the_file_the_field_and_the_part(tmp_path, edit, field):
    doc = yaml.safe_load((CONTRACTS_DIR / "raw_wagweu__observations.odcs.yaml").read_text(encoding="utf-8"))
    edit(doc["schema"][0])
    _write_contract(tmp_path, doc)
    with pytest.raises(MonitorError) as err:
        load_contracts.__wrapped__(tmp_path)
    text = str(err.value)
    assert "bad.odcs.yaml" in text and field in text and ("observation_propertys" in text or "rule_nowhere" in text), text
    assert "shared_parts.yaml" in text


def test_a_resolved_contract_is_validated_against_odcs(tmp_path):
    """A part that puts a wrong ODCS field in place fails ODCS validation of the file that uses it."""
    doc = yaml.safe_load((CONTRACTS_DIR / "raw_wagweu__observations.odcs.yaml").read_text(encoding="utf-8"))
    _write_contract(tmp_path, doc)
    parts = yaml.safe_load((tmp_path / "shared_parts.yaml").read_text(encoding="utf-8"))
    parts["observation_properties"][0]["required"] = "sometimes"
    (tmp_path / "shared_parts.yaml").write_text(yaml.safe_dump(parts), encoding="utf-8")
    with pytest.raises(MonitorError) as err:
        load_contracts.__wrapped__(tmp_path)
    assert "bad.odcs.yaml is not a valid ODCS v3.1 contract" in str(err.value)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda q: q | {"severity": "fatal"}, "severity must be one of"),
    (lambda q: {"name": "x", "type": "custom", "engine": "soda", "implementation": "checks for t"}, "engine: monitor"),
    (lambda q: {"name": "x", "type": "custom", "engine": "monitor", "implementation": {"check": "nope"}}, "unknown check"),
    (lambda q: {"name": "x", "metric": "rowCount", "mustBe": "many"} | {"type": "sql"}, "query"),
])
def test_contract_errors_name_the_file_and_rule(tmp_path, edit, message):
    doc = yaml.safe_load((CONTRACTS_DIR / "mart__annual_figures.odcs.yaml").read_text(encoding="utf-8"))
    doc["schema"][0]["quality"][0] = edit(doc["schema"][0]["quality"][0])
    _write_contract(tmp_path, doc)
    with pytest.raises(MonitorError) as err:
        load_contracts.__wrapped__(tmp_path)
    assert "bad.odcs.yaml" in str(err.value) and message in str(err.value)


def test_a_failing_table_report_says_contract_rule_rows_file_and_what_to_do(con):
    contract = load_contracts()["mart__posted_workers"]
    defaults = {"INTEGER": "0", "DOUBLE": "0.0", "BOOLEAN": "true", "DATE": "DATE '2024-01-01'"}

    def row(year: int, value: float, source_row: int) -> str:
        values = {"year": str(year), "value": repr(value), "source_row": str(source_row),
                  "indicator_id": "'derdelanders_ten_minste_1_dag_werkzaam_volgens_meldloket'",
                  "snapshot_id": "'wagweu/k/d.csv'", "url": "'https://x'", "quote": "'q'"}
        return ", ".join(
            f"CAST({values.get(p['name'], defaults.get(p['physicalType'], repr('x')))} AS {p['physicalType']}) AS {p['name']}"
            for p in contract.properties)

    con.execute(f"CREATE TABLE mart__posted_workers AS SELECT {row(2022, 22500.0, 2)} UNION ALL SELECT {row(2024, -27304.0, 4)}")
    report = validate_table(con, contract)
    text = report.describe()
    assert not report.passed
    assert "data_contracts/mart__posted_workers.odcs.yaml" in text and "owner: Monitor Arbeidsmigratie data engineering" in text
    assert "rule 'counts_not_negative'" in text and "source_row=4" in text
    assert "rule 'third_country_nationals_every_year'" in text and "missing_period='2023JJ00'" in text
    assert text.count("What to do:") == 2
    gx = report.to_gx_result("run-1")
    assert gx["success"] is False and gx["statistics"]["unsuccessful_expectations"] == 2
    assert {e["expectation_config"]["severity"] for e in gx["results"]} == {"critical"}


def test_duplicated_rows_are_shown_side_by_side(con):
    """A duplicated line of a wide file yields one duplicate per measure; the first rows shown must name both the
    line and its copy, not only the first few measures of the original line."""
    contract = load_contracts()["mart__posted_workers"]
    defaults = {"INTEGER": "0", "DOUBLE": "1.0", "BOOLEAN": "true", "DATE": "DATE '2024-01-01'"}
    indicators = [f"indicator_{i}" for i in range(7)]

    def row(indicator: str, source_row: int) -> str:
        values = {"year": "2024", "indicator_id": repr(indicator), "snapshot_id": "'wagweu/k/wide.csv'",
                  "source_row": str(source_row), "quote": "'q'"}
        return ", ".join(f"CAST({values.get(p['name'], defaults.get(p['physicalType'], repr('x')))} AS {p['physicalType']}) "
                         f"AS {p['name']}" for p in contract.properties)

    rows = [row(i, 19) for i in indicators] + [row(i, 20) for i in indicators]
    con.execute("CREATE TABLE mart__posted_workers AS " + " UNION ALL ".join(f"SELECT {r}" for r in rows))
    report = validate_table(con, contract)
    key = next(r for r in report.results if r.rule.name == "primary key unique")
    assert not key.passed and key.failing_rows == 14
    assert [(r["source_row"], r["indicator_id"]) for r in key.sample] == [
        (19, "indicator_0"), (20, "indicator_0"), (19, "indicator_1"), (20, "indicator_1"), (19, "indicator_2")]


def test_a_rule_repeated_in_one_table_is_refused(tmp_path):
    """A table rule with the name of a property rule (as when a table repeats a shared rule) is refused."""
    doc = yaml.safe_load((CONTRACTS_DIR / "mart__labour_market_tension.odcs.yaml").read_text(encoding="utf-8"))
    table = doc["schema"][0]
    value = next(p for p in table["properties"] if p["name"] == "vacancies_x1000")
    value["quality"] = [{"name": "not_negative_twice", "type": "sql", "severity": "block", "mustBe": 0,
                         "query": "SELECT * FROM ${object} WHERE vacancies_x1000 < 0"}]
    table["quality"].append(dict(value["quality"][0]))
    (tmp_path / "twice.odcs.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(MonitorError) as err:
        load_contracts.__wrapped__(tmp_path)
    assert "twice.odcs.yaml" in str(err.value) and "not_negative_twice" in str(err.value)


# --------------------------------------------------------------------------------- statistical fidelity rules

def _rule(table: str, name: str):
    return next(r for r in load_contracts()[table].rules if r.name == name)


def test_a_revision_beyond_tolerance_blocks_unless_the_register_names_both_figures(con):
    """Defect 1: ongevalsmeldingen 2020 4,655 (Jaarverslag 2023) against 3,655 (Jaarverslag 2020) only warned."""
    _obs(con, [{"indicator_id": "ongevalsmeldingen", "period_code": "2020JJ00", "value": 3655, "vintage": "2021-05-11",
                "snapshot_id": "a/jv2020.csv"},
               {"indicator_id": "ongevalsmeldingen", "period_code": "2020JJ00", "value": 4655, "vintage": "2024-03-27",
                "snapshot_id": "a/jv2023.csv"}])
    con.execute("CREATE TABLE revisions (indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, superseded_snapshot_id VARCHAR,"
                " superseded_value DOUBLE, current_snapshot_id VARCHAR, current_value DOUBLE)")
    assert len(_offending(con, "revisions_within_tolerance", tolerance=0.1, acknowledged="revisions")) == 1
    con.execute("INSERT INTO revisions VALUES ('ongevalsmeldingen', '', '2020JJ00', 'a/jv2023.csv', 4655, 'a/jv2020.csv', 3655)")
    assert _offending(con, "revisions_within_tolerance", tolerance=0.1, acknowledged="revisions") == []
    con.execute("UPDATE obs SET value = 4656 WHERE snapshot_id = 'a/jv2023.csv'")  # the entry no longer names the figure
    assert len(_offending(con, "revisions_within_tolerance", tolerance=0.1, acknowledged="revisions")) == 1
    shipped = _rule("mart__observations", "revisions_within_tolerance")
    assert shipped.severity == "block" and "raw_monitor__revisions" in shipped.reads


def test_a_year_code_for_part_of_a_year_is_refused(con):
    """Defect 6: UWV 't/m augustus' counts were stored as YYYYJJ00."""
    _obs(con, [{"period_code": "2019JJ00", "breakdown": "afbakening=t/m augustus"},
               {"period_code": "2019-01/2019-08", "breakdown": "afbakening=t/m augustus"},
               {"period_code": "2019JJ00", "breakdown": ""}])
    con.execute("ALTER TABLE obs ADD COLUMN period_label VARCHAR")
    rule = _rule("raw_uwv__observations", "no_full_year_code_for_part_of_a_year")
    rows = con.execute(rule.query.replace('"raw_uwv__observations"', "obs")).fetchall()
    assert [(r[3], r[5]) for r in rows] == [("2019JJ00", "afbakening=t/m augustus")] and rule.severity == "block"


def test_a_primary_row_not_published_by_the_producer_is_named(con):
    """Defect 3: CBS Migrantenmonitor figures as quoted in a Kamerbrief were labelled primary."""
    con.execute("CREATE TABLE raw_monitor__indicators AS SELECT 'migranten_eu27_met_baan' AS indicator_id, "
                "['Centraal Bureau voor de Statistiek (CBS)', 'CBS'] AS producer")
    con.execute("CREATE TABLE mart__figures AS SELECT * FROM (VALUES "
                "('cbs/p.csv', 83, 'migranten_eu27_met_baan', '2017JJ00', 'primary', 'Minister van SZW (Kamerbrief), cijfers CBS Migrantenmonitor 2017'), "
                "('cbs/p.csv', 90, 'migranten_eu27_met_baan', '2018JJ00', 'primary', 'CBS'), "
                "('cbs/p.csv', 91, 'migranten_eu27_met_baan', '2019JJ00', 'secondary', 'Minister van SZW (Kamerbrief)')) "
                "t(snapshot_id, source_row, indicator_id, period_code, confidence, publisher)")
    rule = _rule("mart__figures", "primary_is_published_by_the_producer")
    assert [r[1] for r in con.execute(rule.query).fetchall()] == [83]


def test_indicator_register_rules_catch_split_and_mixed_concepts(con):
    """Defect 10: one series under two ids (UWV 166/194), an undeclared shared concept, two units in one concept."""
    con.execute("CREATE TABLE raw_monitor__indicators (indicator_id VARCHAR, concept_id VARCHAR, label_nl VARCHAR, "
                "definition VARCHAR, unit VARCHAR, concept_unit VARCHAR, concept_unit_factor DOUBLE, denominator VARCHAR, "
                "same_concept_note VARCHAR, register_file VARCHAR, register_row INTEGER)")
    con.execute("""INSERT INTO raw_monitor__indicators VALUES
        ('tekortberoepen_nederland', 'tekortberoepen_nederland', 'Tekortberoepen', NULL, 'beroepen', 'beroepen', 1, NULL, NULL, 'f', 1),
        ('schaarsteberoepen_nederland_eures', 'schaarsteberoepen_nederland_eures', 'tekortberoepen', NULL, 'beroepen', 'beroepen', 1, NULL, NULL, 'f', 2),
        ('a_aandeel', 'a', NULL, NULL, 'procent van de afgehandelde aanvragen', 'procent', 1, 'afgehandelde aanvragen', NULL, 'f', 3),
        ('a_aandeel_alle', 'a', NULL, NULL, 'procent van alle adviezen', 'procent', 1, 'alle adviezen', 'same', 'f', 4)""")
    def offending(name):
        return sorted(r[2] for r in con.execute(_rule("raw_monitor__indicators", name).query).fetchall())
    assert offending("no_concept_under_two_ids_undeclared") == ["schaarsteberoepen_nederland_eures"]
    assert offending("shared_concepts_are_declared") == ["a_aandeel"]
    assert offending("one_denominator_per_concept") == ["a_aandeel", "a_aandeel_alle"]
    assert offending("concept_unit_factor_one_for_the_concept_unit") == []


def test_an_unregistered_id_and_a_stale_revision_entry_block(con):
    """Every id held needs a register record; a revisions entry must still name two held figures."""
    con.execute("CREATE TABLE raw_monitor__indicators AS SELECT 'a' AS indicator_id, 'f' AS register_file, 1 AS register_row")
    con.execute("CREATE TABLE mart__figures AS SELECT * FROM (VALUES ('s.csv', 1, 'a'), ('s.csv', 2, 'b')) t(snapshot_id, source_row, indicator_id)")
    rule = _rule("mart__figures", "every_indicator_in_the_data_is_registered")
    assert rule.severity == "block" and [r[2] for r in con.execute(rule.query).fetchall()] == ["b"]
    con.execute("CREATE TABLE mart__revisions_acknowledged AS SELECT * FROM (VALUES ('x', '', '2020JJ00', 1, 3, 5), "
                "('y', '', '2020JJ00', 2, NULL, 5)) t(indicator_id, breakdown, period_code, register_row, superseded_source_row, current_source_row)")
    stale = _rule("mart__revisions_acknowledged", "entries_match_held_figures")
    assert stale.severity == "block" and con.execute(stale.query).fetchall() == [("y", "", "2020JJ00", 2, "superseded_value")]
