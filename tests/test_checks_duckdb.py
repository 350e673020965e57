"""Every kind of contract rule fails on the DuckDB route (GX's SQL engine in the warehouse), naming its rows.

One small contract (``CONTRACT``) holds a rule of every kind the contracts compile to: each GX expectation
type (not null, unique, compound key, between, regex, value lengths, in set, not in set, exact column set,
row count), the column types, a ``type: sql`` rule and the monitor's named checks. A clean table passes every
rule (so no rule fails for want of a result, as GX on duckdb-engine did before ``gx_duckdb``); each case then
breaks the table in one way and the rule it breaks must fail and, for row rules, name the offending row by its
snapshot file and data row. The same suite runs on a view. A last test checks that the shipped contracts
compile to no expectation type these cases leave out.
"""

from __future__ import annotations

import textwrap

import duckdb
import pytest

from pipelines.validation.contracts import load_contracts
from pipelines.validation.expectations import expectation
from pipelines.validation.runner import row_text, validate_table

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: urn:test:checks
name: checks on the DuckDB route
version: 1.0.0
status: active
team: {name: tests}
schema:
  - name: obs
    physicalName: obs
    physicalType: table
    logicalType: object
    properties:
      - {name: indicator_id, logicalType: string, physicalType: VARCHAR, required: true, primaryKey: true,
         primaryKeyPosition: 1, logicalTypeOptions: {pattern: "^[a-z_]+$"}}
      - {name: period_code, logicalType: string, physicalType: VARCHAR, required: true, primaryKey: true,
         primaryKeyPosition: 2}
      - name: period_type
        logicalType: string
        physicalType: VARCHAR
        quality:
          - {metric: invalidValues, arguments: {validValues: [quarter]}, mustBe: 0}
      - {name: period_start, logicalType: date, physicalType: DATE}
      - name: value
        logicalType: number
        physicalType: DOUBLE
        quality:
          - {name: counts_not_negative, type: custom, engine: monitor, implementation: {check: not_negative}}
          - {name: percentages_at_most_100, type: custom, engine: monitor, implementation: {check: share_at_most_100}}
      - {name: value_lower, logicalType: number, physicalType: DOUBLE}
      - {name: value_upper, logicalType: number, physicalType: DOUBLE}
      - name: unit
        logicalType: string
        physicalType: VARCHAR
        quality:
          - {metric: missingValues, arguments: {missingValues: ["?"]}, mustBe: 0}
      - {name: status, logicalType: string, physicalType: VARCHAR, logicalTypeOptions: {minLength: 3, maxLength: 12}}
      - {name: code, logicalType: string, physicalType: VARCHAR, unique: true}
      - {name: snapshot_id, logicalType: string, physicalType: VARCHAR, required: true}
      - {name: source_row, logicalType: integer, physicalType: INTEGER, required: true, logicalTypeOptions: {minimum: 1}}
    quality:
      - {name: not_empty, metric: rowCount, mustBeGreaterOrEqualTo: 1}
      - {name: one_row_per_line, metric: duplicateValues, arguments: {properties: [snapshot_id, source_row]}, mustBe: 0}
      - name: no_draft_status
        type: sql
        query: SELECT snapshot_id, source_row, status FROM ${object} WHERE status = 'draft'
      - name: every_quarter
        type: custom
        engine: monitor
        implementation: {check: series_complete, frequency: quarter}
      - name: one_row_per_quarter
        type: custom
        engine: monitor
        implementation: {check: rows_per_period, min: 1, max: 1, where: "indicator_id = 'banen'"}
      - name: no_future_periods
        type: custom
        engine: monitor
        implementation: {check: period_not_in_future}
"""

QUARTERS = [("2023KW01", "2023-01-01"), ("2023KW02", "2023-04-01"), ("2023KW03", "2023-07-01"), ("2023KW04", "2023-10-01")]


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contracts")
    (folder / "obs.odcs.yaml").write_text(textwrap.dedent(CONTRACT), encoding="utf-8")
    return load_contracts(folder)["obs"]


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as c:
        c.execute("CREATE TABLE obs (indicator_id VARCHAR, period_code VARCHAR, period_type VARCHAR, period_start DATE, "
                  "value DOUBLE, value_lower DOUBLE, value_upper DOUBLE, unit VARCHAR, status VARCHAR, code VARCHAR, "
                  "snapshot_id VARCHAR, source_row INTEGER)")
        rows = [(ind, code, "quarter", start, 10.0 + i, None, None, "procent" if ind == "aandeel" else "personen",
                 "definitive", f"{ind}-{code}", f"src/{ind}.csv", i + 1)
                for ind in ("banen", "aandeel") for i, (code, start) in enumerate(QUARTERS)]
        c.executemany("INSERT INTO obs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        yield c


def _result(report, rule: str):
    return next(r for r in report.results if r.rule.name == rule)


def test_a_clean_table_passes_every_rule(con, contract):
    report = validate_table(con, contract)
    failed = [r.describe() for r in report.results if not r.passed]
    assert not failed, failed
    assert len(report.results) == len(contract.rules) and report.rows == 8


# (rule, how the table is broken, text the failure must show: the offending row by file and data row)
CASES = [
    ("indicator_id: required", "UPDATE obs SET indicator_id = NULL WHERE source_row = 2 AND code = 'banen-2023KW02'",
     "snapshot_id='src/banen.csv', source_row=2"),
    ("indicator_id: pattern", "UPDATE obs SET indicator_id = 'Banen' WHERE code = 'banen-2023KW03'",
     "snapshot_id='src/banen.csv', source_row=3"),
    ("period_type: invalidValues", "UPDATE obs SET period_type = 'year' WHERE code = 'aandeel-2023KW01'",
     "snapshot_id='src/aandeel.csv', source_row=1"),
    ("unit: missingValues", "UPDATE obs SET unit = '?' WHERE code = 'banen-2023KW04'",
     "snapshot_id='src/banen.csv', source_row=4"),
    ("status: length", "UPDATE obs SET status = 'ok' WHERE code = 'banen-2023KW01'",
     "snapshot_id='src/banen.csv', source_row=1"),
    ("code: unique", "UPDATE obs SET code = 'banen-2023KW01' WHERE code = 'aandeel-2023KW01'",
     "snapshot_id='src/aandeel.csv', source_row=1"),
    ("source_row: range", "UPDATE obs SET source_row = 0 WHERE code = 'banen-2023KW02'",
     "snapshot_id='src/banen.csv', source_row=0"),
    ("primary key unique", "UPDATE obs SET period_code = '2023KW01' WHERE code = 'banen-2023KW02'",
     "snapshot_id='src/banen.csv', source_row=2"),
    ("one_row_per_line", "UPDATE obs SET source_row = 1 WHERE code = 'banen-2023KW02'",
     "snapshot_id='src/banen.csv', source_row=1"),
    ("no_draft_status", "UPDATE obs SET status = 'draft' WHERE code = 'aandeel-2023KW03'",
     "snapshot_id='src/aandeel.csv', source_row=3"),
    ("counts_not_negative", "UPDATE obs SET value = -4 WHERE code = 'banen-2023KW03'",
     "snapshot_id='src/banen.csv', source_row=3"),
    ("percentages_at_most_100", "UPDATE obs SET value = 140 WHERE code = 'aandeel-2023KW02'",
     "snapshot_id='src/aandeel.csv', source_row=2"),
    ("every_quarter", "DELETE FROM obs WHERE code = 'aandeel-2023KW02'", "missing_period='2023KW02'"),
    ("one_row_per_quarter", "UPDATE obs SET period_code = '2023KW03' WHERE code = 'banen-2023KW04'",
     "period_code='2023KW03', n=2"),
    ("no_future_periods", "UPDATE obs SET period_code = '2099KW01', period_start = DATE '2099-01-01' "
     "WHERE code = 'banen-2023KW04'", "snapshot_id='src/banen.csv', source_row=4"),
]


@pytest.mark.parametrize("rule, damage, shown", CASES, ids=[c[0] for c in CASES])
def test_every_rule_kind_fails_naming_the_row(con, contract, rule, damage, shown):
    con.execute(damage)
    report = validate_table(con, contract)
    result = _result(report, rule)
    assert not result.passed and result.failing_rows >= 1 and not result.error, result.describe()
    assert shown in result.describe(), result.describe()
    assert not report.passed
    entry = next(e for e in report.to_gx_result("run")["results"] if e["expectation_config"]["meta"]["rule"] == rule)
    assert entry["success"] is False  # the Data Docs show the same outcome


def test_duplicated_key_rows_are_shown_together(con, contract):
    con.execute("INSERT INTO obs SELECT * REPLACE (source_row + 10 AS source_row, code || '-copy' AS code) FROM obs")
    key = _result(validate_table(con, contract), "primary key unique")
    assert key.failing_rows == 16
    assert [(r["indicator_id"], r["period_code"], r["source_row"]) for r in key.sample[:4]] == [
        ("aandeel", "2023KW01", 1), ("aandeel", "2023KW01", 11), ("aandeel", "2023KW02", 2), ("aandeel", "2023KW02", 12)]


def test_table_rules_fail(con, contract):
    con.execute("ALTER TABLE obs ADD COLUMN extra VARCHAR")
    con.execute("ALTER TABLE obs ALTER COLUMN source_row TYPE BIGINT")
    report = validate_table(con, contract)
    assert "unexpected columns: ['extra']" in _result(report, "columns match the contract").error
    types = _result(report, "column types")
    assert not types.passed and types.sample == [{"column": "source_row", "expected": "INTEGER", "actual": "BIGINT"}]
    con.execute("DELETE FROM obs")
    assert "the table has 0 rows" in _result(validate_table(con, contract), "not_empty").error


def test_a_failing_query_is_reported_not_passed(con, contract):
    con.execute("ALTER TABLE obs DROP COLUMN status")
    result = _result(validate_table(con, contract), "no_draft_status")
    assert not result.passed and "the rule's query failed" in result.error and "status" in result.error


def test_the_checks_run_on_a_view(con, contract):
    con.execute("ALTER TABLE obs RENAME TO obs_rows")
    con.execute("CREATE VIEW obs AS SELECT * FROM obs_rows")
    assert validate_table(con, contract).passed
    con.execute("UPDATE obs_rows SET value = -1 WHERE code = 'banen-2023KW01'")
    result = _result(validate_table(con, contract), "counts_not_negative")
    assert not result.passed and "snapshot_id='src/banen.csv', source_row=1" in row_text(result.sample[0])


def test_shipped_contracts_compile_to_expectation_types_covered_here(contract):
    covered = {expectation(contract, r, contract.columns)["type"] for r in contract.rules}
    shipped = {expectation(c, r, c.columns)["type"] for c in load_contracts().values() for r in c.rules}
    assert shipped <= covered, f"no failing case for {sorted(shipped - covered)}: add a rule and a case above"
    kinds = {r.gx_type or r.kind for r in contract.rules}
    assert {r.gx_type or r.kind for c in load_contracts().values() for r in c.rules} <= kinds
