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


def test_a_step_out_of_memory_says_which_setting_to_raise(tmp_path, monkeypatch):
    """A DuckDB out-of-memory error reaches the user with the limit in force and the variable that raises it,
    instead of DuckDB's own advice (threads, insertion order) that the user cannot act on."""
    from types import SimpleNamespace

    from pipelines.cli.runner import error_message

    monkeypatch.setenv("MONITOR_DUCKDB_MEMORY", "20MB")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        try:
            con.execute("SELECT string_agg(repeat('x', 100), ',' ORDER BY range) FROM range(2000000)").fetchall()
        except duckdb.OutOfMemoryException as exc:
            raised = str(exc)
        else:
            raise AssertionError("the query was meant to exceed 20 MB")
    chain = SimpleNamespace(cls_name="DagsterExecutionStepExecutionError", message="dagster._core.errors.Dagster...",
                            cause=SimpleNamespace(cls_name="OutOfMemoryException", message=raised, cause=None))
    message = error_message(chain)
    assert message.startswith("Out of Memory Error") and "Possible solutions" not in message
    assert "memory limit (20MB" in message and "MONITOR_DUCKDB_MEMORY=2GB monitor build" in message
