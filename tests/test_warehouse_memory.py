"""Every warehouse connection runs within the policy's DuckDB memory limit (pipelines/policy.py; None: DuckDB's
default), which MONITOR_DUCKDB_MEMORY overrides (benchmarks/RESULTS.md, B5)."""

import duckdb

from pipelines import policy
from pipelines.core import warehouse


def _limit(path) -> str:
    with warehouse.connect(path) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _plain(path, limit: str | None) -> str:
    """The limit DuckDB reports for a plain connection configured with ``limit`` (None: its default)."""
    with duckdb.connect(str(path), config={"memory_limit": limit} if limit else {}) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_connections_use_the_policy_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("MONITOR_DUCKDB_MEMORY", raising=False)
    assert _limit(tmp_path / "w.duckdb") == _plain(tmp_path / "plain.duckdb", policy.WAREHOUSE_MEMORY_LIMIT)


def test_the_environment_overrides_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DUCKDB_MEMORY", "2GB")
    assert _limit(tmp_path / "w.duckdb") == _plain(tmp_path / "plain.duckdb", "2GB") != _plain(tmp_path / "d.duckdb", None)
