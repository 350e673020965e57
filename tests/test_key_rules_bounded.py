"""The two key rules rewritten to run in bounded memory still fail as before (benchmarks/RESULTS.md, B5).

``one_figure_per_key`` (every raw observation table) counts keys first and lists only the rows of duplicated
keys; ``every_key_is_an_observation`` (mart__current_figure_keys) is an anti join, the doubled case being
mart__observations' primary-key rule. Each is run from the shipped contract, through GX on DuckDB, on a small
table: clean it passes, damaged it fails naming the offending rows, and a NULL part of a key counts as a value.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.validation.contracts import load_contracts
from pipelines.validation.runner import validate_table

KEY = "source_id VARCHAR, dataset_id VARCHAR, indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, " \
      "vintage VARCHAR, url VARCHAR"


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


def _rule(con, contract, name):
    result = next(r for r in validate_table(con, contract).results if r.rule.name == name)
    assert not result.error, result.describe()
    return result


@pytest.fixture
def raw():
    with duckdb.connect(":memory:") as con:
        con.execute("CREATE TABLE raw_uwv__observations (snapshot_id VARCHAR, source_row INTEGER, indicator_id VARCHAR, "
                    "breakdown VARCHAR, period_code VARCHAR, vintage VARCHAR)")
        con.executemany("INSERT INTO raw_uwv__observations VALUES (?, ?, ?, ?, ?, ?)",
                        [("uwv/a.csv", i, "banen", "totaal", f"202{i}", "2025-06-01") for i in range(1, 6)]
                        + [("uwv/b.csv", 1, "banen", "totaal", "2020", None)])
        yield con


def test_one_figure_per_key_names_the_rows_of_a_duplicated_key(raw, contracts):
    contract = contracts["raw_uwv__observations"]
    assert _rule(raw, contract, "one_figure_per_key").passed
    raw.execute("INSERT INTO raw_uwv__observations VALUES ('uwv/c.csv', 7, 'banen', 'totaal', '2023', '2025-06-01')")
    result = _rule(raw, contract, "one_figure_per_key")
    assert not result.passed and result.failing_rows == 1
    assert result.sample[0]["duplicates"] == "uwv/a.csv row 3; uwv/c.csv row 7"


def test_one_figure_per_key_treats_a_null_vintage_as_a_value(raw, contracts):
    raw.execute("INSERT INTO raw_uwv__observations VALUES ('uwv/c.csv', 2, 'banen', 'totaal', '2020', NULL)")
    result = _rule(raw, contracts["raw_uwv__observations"], "one_figure_per_key")
    assert not result.passed and result.sample[0]["duplicates"] == "uwv/b.csv row 1; uwv/c.csv row 2"


def test_every_current_key_must_be_an_observation(contracts):
    contract = contracts["mart__current_figure_keys"]
    with duckdb.connect(":memory:") as con:
        con.execute(f"CREATE TABLE mart__observations ({KEY})")
        con.execute(f"CREATE TABLE mart__current_figure_keys ({KEY}, current_because VARCHAR)")
        keys = [("uwv", "d", "banen", "totaal", f"202{i}", "2025-06-01", "https://example.org/a") for i in range(4)]
        con.executemany("INSERT INTO mart__observations VALUES (?, ?, ?, ?, ?, ?, ?)", keys)
        con.executemany("INSERT INTO mart__current_figure_keys VALUES (?, ?, ?, ?, ?, ?, ?, 'only_figure')", keys)
        assert _rule(con, contract, "every_key_is_an_observation").passed
        con.execute("DELETE FROM mart__observations WHERE period_code = '2022'")
        result = _rule(con, contract, "every_key_is_an_observation")
        assert not result.passed and result.failing_rows == 1
        assert result.sample[0]["period_code"] == "2022" and result.sample[0]["observations"] == 0
