"""A CBS table at real size (3.1M observations, shaped like 85477NED) passes its contract on the DuckDB route,
and a hostile variant (a negative count, a duplicated key, a row without a period, a period missing from a
series) fails, each rule naming the row. The table is built in DuckDB (benchmarks/checks_at_size.py), not
fetched; timing and memory are measured by that benchmark, not here."""

from __future__ import annotations

import duckdb
import pytest

from benchmarks.checks_at_size import TABLE, build, contract_with_series_rule, damage
from pipelines.validation.runner import validate_table

KEYS, PERIODS, MEASURES = 8000, 130, 3


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("at-size") / "warehouse.duckdb")
    with duckdb.connect(path) as con:
        assert build(con, KEYS, PERIODS, MEASURES) == KEYS * PERIODS * MEASURES
    return path


@pytest.mark.slow
def test_a_real_size_cbs_table_passes_and_its_hostile_variant_fails_naming_the_rows(warehouse):
    contract = contract_with_series_rule()
    with duckdb.connect(warehouse, read_only=True) as con:
        report = validate_table(con, contract)
    assert report.rows == KEYS * PERIODS * MEASURES
    assert report.passed and not report.warnings, report.describe()

    with duckdb.connect(warehouse) as con:
        expected = damage(con, KEYS)
    with duckdb.connect(warehouse, read_only=True) as con:
        report = validate_table(con, contract)
    text = report.describe()
    assert not report.passed
    failed = {r.rule.name: r for r in report.blocking_failures}
    for rule, shown in expected.items():
        assert rule in failed, f"rule {rule!r} did not fail:\n{text}"
        assert shown in failed[rule].describe(), f"rule {rule!r} does not show {shown!r}:\n{failed[rule].describe()}"
    assert set(failed) == set(expected), sorted(set(failed) - set(expected))
    assert failed["primary key unique"].failing_rows == 2 and failed["counts_not_negative"].failing_rows == 1
    assert TABLE in text
