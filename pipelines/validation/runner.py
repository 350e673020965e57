"""Run a table's contract against the warehouse: one Great Expectations suite, run in DuckDB.

Every rule is compiled to a GX expectation (``expectations.py``) and GX's SQL execution engine runs the
suite on the table or view in the connection the check is given (``gx_duckdb.py``): aggregates and a
few offending rows leave DuckDB, never a copy of the table, so memory does not grow with the table.

A ``TableReport`` says, for people, which contract and rule failed, which rows (the first few, with the
snapshot file and data row they came from) and what to do; ``to_gx_result`` turns it into a GX suite
validation result (every rule, also the DuckDB ones) from which the Data Docs are built.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import duckdb

from pipelines.validation import gx_duckdb
from pipelines.validation.contracts import Rule, TableContract
from pipelines.validation.expectations import SAMPLE_ROWS, UNEXPECTED_ROWS, expectation, suite_name, trace_columns
from pipelines.validation.sql_checks import q
from pipelines.validation.view_copy import stored_copy


@dataclass
class RuleResult:
    rule: Rule
    passed: bool
    failing_rows: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    gx_result: dict[str, Any] | None = None  # GX's own result dict (lists kept short)
    gx_config: dict[str, Any] | None = None  # the GX expectation that checked the rule (expectations.py)

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
        results = [_gx_entry(r) for r in self.results]
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
                "batch_spec": {"table_name": self.contract.table, "execution_engine": "SqlAlchemyExecutionEngine (duckdb)"},
                "batch_markers": {"ge_load_time": self.validated_at},
                "active_batch_definition": {"datasource_name": "monitor_warehouse", "data_connector_name": "fluent",
                                            "data_asset_name": self.contract.table, "batch_identifiers": {}},
                "run_name": run_name, "contract": self.contract.file, "owner": self.contract.owner, "rows": self.rows,
            },
        }


def _gx_entry(r: RuleResult) -> dict[str, Any]:
    if r.gx_result is not None and not r.error:
        result = r.gx_result
    else:
        result = {"observed_value": r.failing_rows, "details": {"unexpected_rows": r.sample}}
    return {
        "success": r.passed,
        "expectation_config": r.gx_config,
        "result": result,
        "meta": {},
        "exception_info": {"raised_exception": bool(r.error), "exception_traceback": None, "exception_message": r.error},
    }


def row_text(row: dict[str, Any]) -> str:
    keys = trace_columns(list(row)) + [k for k in row if k not in trace_columns(list(row))]
    return ", ".join(f"{k}={row[k]!r}" for k in keys[:9])


def validate_table(con: duckdb.DuckDBPyConnection, contract: TableContract) -> TableReport:
    """Run ``contract`` on its table (or view: on a stored copy of it, view_copy.py) in the warehouse ``con``: one
    GX suite, run where the data is."""
    with stored_copy(con, contract.table):
        return _validate(con, contract)


def _validate(con: duckdb.DuckDBPyConnection, contract: TableContract) -> TableReport:
    table = contract.table
    columns = [row[0] for row in con.execute(f"SELECT column_name FROM (DESCRIBE {q(table)})").fetchall()]
    rows = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0]
    present = set(columns)
    # Column rules on columns the table lacks cannot run; the column-set rule reports those columns.
    runnable = [r for r in contract.rules if r.kind != "gx" or ((r.column is None or r.column in present)
                and set(r.gx_kwargs.get("column_list", [])) <= present)]
    configs = [expectation(contract, rule, columns) for rule in runnable]
    with gx_duckdb.bound_to(con):
        gx = gx_duckdb.gx_module()
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        batch = gx_duckdb.table_batch(table)
        outcomes = []
        # GX applies one result format per validation (the run's overrides each expectation's own), so the
        # rules are validated in groups of equal format: row lists of unexpected-rows queries need COMPLETE,
        # which for column rules would fetch every offending value (SUMMARY fetches SAMPLE_ROWS).
        for fmt in sorted({json.dumps(c["kwargs"].get("result_format", "SUMMARY"), sort_keys=True) for c in configs}):
            suite = gx.ExpectationSuite(name=suite_name(table))
            for i, config in enumerate(configs):
                if json.dumps(config["kwargs"].get("result_format", "SUMMARY"), sort_keys=True) == fmt:
                    # add_expectation, not add_expectation_configuration: that one upserts by domain, so of
                    # several rules on one column or table only the last would run
                    suite.add_expectation(ExpectationConfiguration(
                        type=config["type"], kwargs=config["kwargs"], meta={"rule": i},
                        description=config["description"]).to_domain_obj())
            outcomes += batch.validate(suite, result_format=json.loads(fmt)).results
    if len(outcomes) != len(configs):
        raise RuntimeError(f"GX returned {len(outcomes)} results for the {len(configs)} rules of {contract.file} "
                           f"(table {table}): two rules compile to the same expectation; give them different descriptions")
    results = [_rule_result(runnable[i], configs[i], r) for r in outcomes for i in [r.expectation_config.meta["rule"]]]
    order = {id(r): i for i, r in enumerate(contract.rules)}
    results.sort(key=lambda res: order[id(res.rule)])
    return TableReport(contract, results, rows=rows)


def _rule_result(rule: Rule, config: dict[str, Any], r) -> RuleResult:
    message = _gx_error(r.exception_info)
    if message is not None:
        what = "the rule's query failed" if rule.kind == "sql" else "the check could not run"
        return RuleResult(rule, False, error=f"{what}: {message}", gx_config=config)
    raw = dict(r.result)
    result = _compact(raw)
    if config["type"] == "expect_table_columns_to_match_set" and not r.success:
        details = raw.get("details", {}).get("mismatched", {})
        return RuleResult(rule, False, 0, error=f"missing columns: {sorted(details.get('missing') or [])}; "
                          f"unexpected columns: {sorted(details.get('unexpected') or [])}", gx_result=result, gx_config=config)
    if config["type"] == "expect_table_row_count_to_be_between" and not r.success:
        return RuleResult(rule, False, 0, error=f"the table has {raw.get('observed_value')} rows", gx_result=result,
                          gx_config=config)
    if config["type"] == UNEXPECTED_ROWS:
        count, items = int(raw.get("observed_value") or 0), (raw.get("details") or {}).get("unexpected_rows") or []
    else:
        count, items = int(raw.get("unexpected_count") or 0), raw.get("partial_unexpected_index_list") or []
    # the checked column right after the trace columns (row_text shows the first few): GX puts it last
    first = [rule.column] if config["type"] != UNEXPECTED_ROWS and rule.column else []
    sample = [{k: _plain(dict(item)[k]) for k in [*[c for c in first if c in dict(item)], *[k for k in dict(item) if k not in first]]}
              for item in items[:SAMPLE_ROWS]]
    return RuleResult(rule, bool(r.success), count, sample, gx_result=result, gx_config=config)


def _gx_error(info: dict[str, Any] | None) -> str | None:
    """The message of an exception GX caught while checking a rule: its own, or a metric's (keyed by metric id)."""
    info = info or {}
    found = [info] + [v for v in info.values() if isinstance(v, dict)]
    for item in found:
        if item.get("raised_exception"):
            return " ".join(str(item.get("exception_message")).split())
    return None


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    """GX's result with its row lists kept to the first rows (as Data Docs show them), in plain JSON values."""
    out = {}
    for key, value in result.items():
        if key in ("partial_unexpected_list", "partial_unexpected_index_list", "partial_unexpected_counts") \
                and isinstance(value, list):
            value = value[:20]
        if key == "details" and isinstance(value, dict) and isinstance(value.get("unexpected_rows"), list):
            value = {**value, "unexpected_rows": value["unexpected_rows"][:20]}
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
