"""Run a table's contract against the warehouse: GX on a pandas copy, types and SQL rules in DuckDB.

Route (stack notes): DuckDB -> pandas -> GX pandas datasource. GX on DuckDB through SQLAlchemy fails
silently, so it is not used. ``great_expectations`` costs ~5 s to import and is imported on first use.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipelines.validation.contracts import Rule, TableContract

SAMPLE_ROWS = 5
# Columns that tell a person where a failing row came from, shown first when present.
_TRACE_COLUMNS = ("snapshot_id", "source_row", "indicator_id", "period_code")


@dataclass
class RuleResult:
    rule: Rule
    passed: bool
    failing_rows: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def describe(self) -> str:
        if self.passed:
            return f"ok    {self.rule.name}"
        head = f"{self.rule.severity.upper():5} {self.rule.name}: {self.rule.description}"
        if self.error:
            return f"{head}\n        {self.error}"
        lines = [f"{head} ({self.failing_rows} row(s))"]
        lines += [f"        {_row_text(r)}" for r in self.sample]
        return "\n".join(lines)


@dataclass
class TableReport:
    contract: TableContract
    results: list[RuleResult]

    @property
    def blocking_failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed and r.rule.severity == "block"]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed and r.rule.severity == "warn"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def describe(self) -> str:
        failed = [r for r in self.results if not r.passed]
        head = (f"Contract {self.contract.file}, table {self.contract.table}: "
                f"{len(self.results) - len(failed)}/{len(self.results)} rules passed")
        body = [r.describe() for r in failed]
        hint = ("  What to do: the rows above name the snapshot file and row they came from; correct the snapshot "
                "(and its sidecar checksum) or the reader, or, if the contract is wrong, change the contract in a reviewed commit.")
        return "\n".join([head, *("  " + b for b in body), hint] if failed else [head])


def _row_text(row: dict[str, Any]) -> str:
    keys = [k for k in _TRACE_COLUMNS if k in row] + [k for k in row if k not in _TRACE_COLUMNS]
    return ", ".join(f"{k}={row[k]!r}" for k in keys[:8])


@functools.cache
def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # lazy: ~5 s

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    batch_definition = (
        context.data_sources.add_pandas("monitor")
        .add_dataframe_asset("table")
        .add_batch_definition_whole_dataframe("whole")
    )
    return gx, context, batch_definition


def _run_gx(df, rules: list[Rule], table: str) -> list[RuleResult]:
    gx, context, batch_definition = _gx_context()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx.ExpectationSuite(name=f"contract__{table}")
    for i, rule in enumerate(rules):
        suite.add_expectation_configuration(ExpectationConfiguration(type=rule.gx_type, kwargs=rule.gx_kwargs, meta={"rule": i}))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
    outcome = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": []})
    results = []
    for r in outcome.results:
        rule = rules[r.expectation_config.meta["rule"]]
        info = r.exception_info or {}
        if info.get("raised_exception"):
            results.append(RuleResult(rule, False, error=str(info.get("exception_message"))))
            continue
        index = r.result.get("unexpected_index_list") or []
        sample = [_trace(df, i, rule.column) for i in index[:SAMPLE_ROWS] if isinstance(i, int)]
        if rule.gx_type == "expect_table_columns_to_match_set" and not r.success:
            details = r.result.get("details", {}).get("mismatched", {})
            return_error = f"missing columns: {details.get('missing') or []}; unexpected columns: {details.get('unexpected') or []}"
            results.append(RuleResult(rule, False, error=return_error))
            continue
        if rule.gx_type == "expect_table_row_count_to_be_between" and not r.success:
            results.append(RuleResult(rule, False, error=f"row count is {r.result.get('observed_value')}"))
            continue
        results.append(RuleResult(rule, bool(r.success), int(r.result.get("unexpected_count") or 0), sample))
    return results


def _trace(df, index: int, column: str | None) -> dict[str, Any]:
    row = df.iloc[index]
    out = {k: _plain(row[k]) for k in _TRACE_COLUMNS if k in df.columns}
    if column and column in df.columns:
        out[column] = _plain(row[column])
    return out or {"row": index + 1}


def _plain(value: Any) -> Any:
    try:
        import pandas as pd

        if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def _run_types(con: duckdb.DuckDBPyConnection, rule: Rule, table: str) -> RuleResult:
    actual = {name: typ for name, typ in con.execute(f'SELECT column_name, column_type FROM (DESCRIBE "{table}")').fetchall()}
    wrong = [
        {"column": col, "expected": expected, "actual": actual[col]}
        for col, expected in rule.gx_kwargs.items()
        if col in actual and actual[col].upper() != expected.upper()
    ]
    return RuleResult(rule, not wrong, len(wrong), wrong[:SAMPLE_ROWS])


def _run_sql(con: duckdb.DuckDBPyConnection, rule: Rule) -> RuleResult:
    try:
        rel = con.sql(rule.query)
        rows = rel.fetchall()
        cols = rel.columns
    except duckdb.Error as exc:
        return RuleResult(rule, False, error=f"query failed: {exc}")
    return RuleResult(rule, len(rows) <= rule.must_be, len(rows), [dict(zip(cols, map(_plain, r))) for r in rows[:SAMPLE_ROWS]])


def validate_table(con: duckdb.DuckDBPyConnection, contract: TableContract) -> TableReport:
    table = contract.table
    df = con.sql(f'SELECT * FROM "{table}"').df()
    gx_rules = [r for r in contract.rules if r.kind == "gx"]
    # Column rules on columns the table lacks would raise inside GX; the column-set rule reports them.
    present = set(df.columns)
    runnable = [r for r in gx_rules if r.column is None or r.column in present]
    results = _run_gx(df, runnable, table) if runnable else []
    for rule in contract.rules:
        if rule.kind == "types":
            results.append(_run_types(con, rule, table))
        elif rule.kind == "sql":
            results.append(_run_sql(con, rule))
    return TableReport(contract, results)
