"""Every warehouse connection runs within the policy's DuckDB memory limit (pipelines/policy.py; None: DuckDB's
default), which MONITOR_DUCKDB_MEMORY overrides (benchmarks/RESULTS.md, B5)."""

import duckdb

from pipelines import policy
from pipelines.core import warehouse


def _limit(path) -> str:
    with warehouse.connect(path) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _mib(setting: str) -> float:
    number, unit = setting.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


def test_connections_use_the_policy_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("MONITOR_DUCKDB_MEMORY", raising=False)
    if policy.WAREHOUSE_MEMORY_LIMIT is None:
        with duckdb.connect(str(tmp_path / "plain.duckdb")) as con:
            default = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert _limit(tmp_path / "w.duckdb") == default
    else:
        expected = float(policy.WAREHOUSE_MEMORY_LIMIT.rstrip("MGB")) * (1000 if policy.WAREHOUSE_MEMORY_LIMIT.endswith("GB") else 1)
        assert abs(_mib(_limit(tmp_path / "w.duckdb")) - expected * 1e6 / 2**20) < 0.05 * expected


def test_the_environment_overrides_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DUCKDB_MEMORY", "2GB")
    assert abs(_mib(_limit(tmp_path / "w.duckdb")) - 2e9 / 2**20) < 0.05 * 2e9 / 2**20  # DuckDB shows GiB to 0.1
