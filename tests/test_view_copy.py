"""A view's contract is checked on one stored copy of it (pipelines/validation/view_copy.py), not by re-running the
view for every rule: the copy is made once, every rule and the rows it names read it, the check's connection stays
read-only and nothing is left behind."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.validation.contracts import Rule, TableContract
from pipelines.validation.runner import validate_table
from pipelines.validation.view_copy import stored_copy


def _sql(name: str, query: str) -> Rule:
    return Rule(name=name, kind="sql", severity="block", description=name, query=query)


def _contract(table: str, rules: list[Rule]) -> TableContract:
    return TableContract(table=table, file=f"data_contracts/{table}.odcs.yaml", description="test", owner="tests",
                         properties=[{"name": "i"}, {"name": "r"}], rules=rules)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE numbers AS SELECT range AS i FROM range(1000)")
        # a view that gives other values each time it runs: two rules agree only if they read one copy of it
        con.execute("CREATE VIEW drawn AS SELECT i, random() AS r FROM numbers")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_every_rule_reads_one_copy_of_the_view(warehouse):
    low = _sql("low", 'SELECT i, r FROM "drawn" WHERE r < 0.5')
    high = _sql("high", 'SELECT i, r FROM "drawn" WHERE r >= 0.5')
    report = validate_table(warehouse, _contract("drawn", [low, high]))
    counts = {r.rule.name: r.failing_rows for r in report.results}
    assert all(not r.error for r in report.results), report.describe()
    assert counts["low"] + counts["high"] == 1000, counts  # re-running the view per rule would draw anew
    assert report.rows == 1000


def test_the_copy_is_gone_after_the_check_and_the_view_is_seen_again(warehouse):
    with stored_copy(warehouse, "drawn") as copied:
        assert copied
        first = warehouse.execute("SELECT sum(r) FROM drawn").fetchone()[0]
        assert warehouse.execute("SELECT sum(r) FROM drawn").fetchone()[0] == first
    assert warehouse.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert warehouse.execute("SELECT sum(r) FROM drawn").fetchone()[0] != first


def test_a_table_is_checked_in_place(warehouse):
    with stored_copy(warehouse, "numbers") as copied:
        assert not copied
        assert warehouse.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_a_failing_rule_on_a_view_names_rows_of_the_copy(warehouse):
    report = validate_table(warehouse, _contract("drawn", [_sql("even", 'SELECT i, r FROM "drawn" WHERE i % 2 = 0')]))
    result = report.results[0]
    assert not result.passed and result.failing_rows == 500
    assert {row["i"] % 2 for row in result.sample} == {0}
