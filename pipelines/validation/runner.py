"""Run a table's contract against the warehouse: GX on a pandas copy, types and SQL rules in DuckDB.

Route (stack notes): DuckDB -> pandas -> GX pandas datasource. GX on DuckDB through SQLAlchemy fails
silently, so it is not used. ``great_expectations`` costs ~5 s to import and is imported on first use.

A ``TableReport`` says, for people, which contract and rule failed, which rows (the first few, with the
snapshot file and data row they came from) and what to do; ``to_gx_result`` turns it into a GX suite
validation result (every rule, also the DuckDB ones) from which the Data Docs are built.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb

from pipelines.validation.contracts import Rule, TableContract

SAMPLE_ROWS = 5


def trace_columns(columns: list[str], extra: list[str] = ()) -> list[str]:
    """Columns that tell a person where a row came from: snapshot file, data row, then the table's key."""
    first = [c for c in ("snapshot_id", "source_row", "register_file", "register_row") if c in columns]
    first += [c for c in columns if c.endswith("_snapshot_id") and c not in first]
    return first + [c for c in extra if c in columns and c not in first]


@dataclass
class RuleResult:
    rule: Rule
    passed: bool
    failing_rows: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    gx_result: dict[str, Any] | None = None  # GX's own result dict, for gx rules

    def describe(self) -> str:
        if self.passed:
            return f"ok    {self.rule.name}"
        head = f"{self.rule.severity.upper():5} rule '{self.rule.name}': {self.rule.description}"
        if self.error:
            return f"{head}\n        {self.error}"
        lines = [f"{head} ({self.failing_rows} offending row(s){', first ' + str(len(self.sample)) if self.failing_rows > len(self.sample) else ''})"]
        lines += [f"        {row_text(r)}" for r in self.sample]
        return "\n".join(lines)


@dataclass
class TableReport:
    contract: TableContract
    results: list[RuleResult]
    validated_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    rows: int | None = None

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
        failed = self.blocking_failures + self.warnings
        head = (f"Contract {self.contract.file}, table {self.contract.table} (owner: {self.contract.owner}): "
                f"{len(self.results) - len(failed)}/{len(self.results)} rules passed")
        if not failed:
            return head
        lines = [head]
        for r in failed:
            lines.append("  " + r.describe())
            lines.append(f"        What to do: {r.rule.action}")
        return "\n".join(lines)

    def to_gx_result(self, run_name: str) -> dict[str, Any]:
        """This report as the JSON of a GX ``ExpectationSuiteValidationResult`` (Data Docs read it)."""
        results = [_gx_entry(self.contract, r) for r in self.results]
        ok = sum(1 for r in self.results if r.passed)
        return {
            "success": self.passed,
            "results": results,
            "suite_name": suite_name(self.contract.table),
            "suite_parameters": {},
            "statistics": {"evaluated_expectations": len(results), "successful_expectations": ok,
                           "unsuccessful_expectations": len(results) - ok,
                           "success_percent": 100.0 * ok / len(results) if results else 100.0},
            "meta": {
                "great_expectations_version": importlib.metadata.version("great_expectations"),
                "batch_spec": {"batch_data": "PandasDataFrame"},
                "batch_markers": {"ge_load_time": self.validated_at},
                "active_batch_definition": {"datasource_name": "monitor_warehouse", "data_connector_name": "fluent",
                                            "data_asset_name": self.contract.table, "batch_identifiers": {}},
                "run_name": run_name, "contract": self.contract.file, "owner": self.contract.owner, "rows": self.rows,
            },
        }


def suite_name(table: str) -> str:
    return f"contract__{table}"


def gx_config(contract: TableContract, rule: Rule) -> dict[str, Any]:
    """The GX expectation configuration that shows ``rule`` in a suite (DuckDB rules as unexpected-rows SQL)."""
    if rule.kind == "gx":
        typ, kwargs = rule.gx_type, dict(rule.gx_kwargs)
    elif rule.kind == "types":
        typ = "unexpected_rows_expectation"
        kwargs = {"unexpected_rows_query": "SELECT column_name, column_type FROM (DESCRIBE {batch}) -- expected: "
                  + ", ".join(f"{c} {t}" for c, t in rule.gx_kwargs.items())}
    else:
        shown = (rule.query or "").replace("{", "{{").replace("}", "}}").replace(f'"{contract.table}"', "{batch}")
        typ, kwargs = "unexpected_rows_expectation", {"unexpected_rows_query": shown}
    return {
        "type": typ,
        "kwargs": kwargs,
        "meta": {"rule": rule.name, "severity": rule.severity, "contract": contract.file, "what_to_do": rule.action},
        "description": f"[{rule.severity}] {rule.name}: {rule.description}",
        "severity": "critical" if rule.severity == "block" else "warning",
        "notes": f"What to do when it fails: {rule.action}",
    }


def _gx_entry(contract: TableContract, r: RuleResult) -> dict[str, Any]:
    config = gx_config(contract, r.rule)
    if r.gx_result is not None and not r.error:
        result = r.gx_result
    else:
        result = {"observed_value": r.failing_rows, "details": {"unexpected_rows": r.sample}}
    return {
        "success": r.passed,
        "expectation_config": config,
        "result": result,
        "meta": {},
        "exception_info": {"raised_exception": bool(r.error), "exception_traceback": None, "exception_message": r.error},
    }


def row_text(row: dict[str, Any]) -> str:
    keys = trace_columns(list(row)) + [k for k in row if k not in trace_columns(list(row))]
    return ", ".join(f"{k}={row[k]!r}" for k in keys[:9])


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
    return gx, batch_definition


def _run_gx(df, rules: list[Rule], contract: TableContract) -> list[RuleResult]:
    gx, batch_definition = _gx_context()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx.ExpectationSuite(name=suite_name(contract.table))
    for i, rule in enumerate(rules):
        suite.add_expectation_configuration(ExpectationConfiguration(type=rule.gx_type, kwargs=rule.gx_kwargs, meta={"rule": i}))
    index_columns = trace_columns(list(df.columns), contract.primary_key)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
    outcome = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns,
                                                   "partial_unexpected_count": SAMPLE_ROWS})
    results = []
    for r in outcome.results:
        rule = rules[r.expectation_config.meta["rule"]]
        info = r.exception_info or {}
        if info.get("raised_exception"):
            results.append(RuleResult(rule, False, error=f"the check could not run: {info.get('exception_message')}"))
            continue
        result = _compact(r.result)
        if rule.gx_type == "expect_table_columns_to_match_set" and not r.success:
            details = r.result.get("details", {}).get("mismatched", {})
            results.append(RuleResult(rule, False, 0, error=f"missing columns: {sorted(details.get('missing') or [])}; "
                                      f"unexpected columns: {sorted(details.get('unexpected') or [])}", gx_result=result))
            continue
        if rule.gx_type == "expect_table_row_count_to_be_between" and not r.success:
            results.append(RuleResult(rule, False, 0, error=f"the table has {r.result.get('observed_value')} rows", gx_result=result))
            continue
        items = r.result.get("unexpected_index_list") or []
        if rule.gx_type in _UNIQUENESS:
            items = duplicates_together(items, rule.gx_kwargs.get("column_list") or [rule.column], df)
        sample = [_sample_row(df, item, rule) for item in items[:SAMPLE_ROWS]]
        results.append(RuleResult(rule, bool(r.success), int(r.result.get("unexpected_count") or 0), sample, gx_result=result))
    return results


_UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


def duplicates_together(items: list[Any], key: list[str], df) -> list[Any]:
    """Offending rows of a uniqueness rule, each row followed by the rows that share its key.

    GX lists them in table order, so when a duplicated line of a wide file yields several figures, the first
    rows shown would all be the original line and never the copy; grouped, the sample names both rows."""
    def key_of(item: Any) -> tuple:
        source = item if isinstance(item, dict) else df.iloc[int(item)]
        return tuple(repr(_plain(source[c])) for c in key)

    if any(isinstance(item, dict) and not set(key) <= set(item) for item in items):
        return items  # GX did not return the key columns: keep its order
    first: dict[tuple, int] = {}
    for i, item in enumerate(items):
        first.setdefault(key_of(item), i)
    return [item for _, item in sorted(enumerate(items), key=lambda pair: (first[key_of(pair[1])], pair[0]))]


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    """GX's COMPLETE result without the full lists (kept to the first rows, as Data Docs show them)."""
    out = {}
    for key, value in dict(result).items():
        if key in ("unexpected_list", "unexpected_index_list") and isinstance(value, list):
            value = value[:20]
        if key == "unexpected_index_query":
            continue
        out[key] = _plain(value)
    return out


def _sample_row(df, item: Any, rule: Rule) -> dict[str, Any]:
    if isinstance(item, dict):
        return {k: _plain(v) for k, v in item.items()}
    row = df.iloc[int(item)]
    out = {k: _plain(row[k]) for k in trace_columns(list(df.columns))}
    if rule.column and rule.column in df.columns:
        out[rule.column] = _plain(row[rule.column])
    return out or {"row": int(item) + 1}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        import pandas as pd

        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
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
        count = con.execute(f"SELECT count(*) FROM ({rule.query})").fetchone()[0]
        rel = con.execute(f"SELECT * FROM ({rule.query}) LIMIT {SAMPLE_ROWS}")
        cols = [d[0] for d in rel.description]
        rows = [dict(zip(cols, map(_plain, r))) for r in rel.fetchall()]
    except duckdb.Error as exc:
        return RuleResult(rule, False, error=f"the rule's query failed: {' '.join(str(exc).split())}")
    return RuleResult(rule, count <= rule.max_rows, count, rows)


def validate_table(con: duckdb.DuckDBPyConnection, contract: TableContract) -> TableReport:
    table = contract.table
    df = con.sql(f'SELECT * FROM "{table}"').df()
    present = set(df.columns)
    gx_rules = [r for r in contract.rules if r.kind == "gx"]
    # Column rules on columns the table lacks would raise inside GX; the column-set rule reports them.
    runnable = [r for r in gx_rules if (r.column is None or r.column in present)
                and set(r.gx_kwargs.get("column_list", [])) <= present]
    results = _run_gx(df, runnable, contract) if runnable else []
    for rule in contract.rules:
        if rule.kind == "types":
            results.append(_run_types(con, rule, table))
        elif rule.kind == "sql":
            results.append(_run_sql(con, rule))
    order = {id(r): i for i, r in enumerate(contract.rules)}
    results.sort(key=lambda res: order[id(res.rule)])
    return TableReport(contract, results, rows=len(df))
