"""A contract rule as the Great Expectations expectation that checks it in the warehouse.

Every rule of a contract (``contracts.py``) becomes one GX expectation configuration, run by GX's SQL
execution engine on DuckDB (``gx_duckdb.py``) and shown as such in the Data Docs:

- column and table rules GX 1.24 runs in SQL keep their expectation (not null, in set, not in set,
  between, value lengths, exact column set, row count); they report up to ``SAMPLE_ROWS`` offending
  rows with the columns that trace them (``unexpected_index_column_names``: snapshot file, data row,
  the table's key) and the rule's column;
- the rest become ``unexpected_rows_expectation`` with a query that selects the offending rows, traced
  the same way, ordered so that the first rows shown are the telling ones:
  - uniqueness (one column or a compound key): the rows that share a key, each with its duplicates
    next to it. GX's own uniqueness expectations on SQL name no rows for a compound key and list a
    single column's duplicates in table order, so the first rows shown need not include both copies;
  - regex: ``regexp_matches`` (search, as GX's pandas engine does). GX 1.24 has no regex for the
    duckdb dialect (it would fail every row with "Regex is not supported"), and DuckDB's ``~`` is a
    full match, unlike PostgreSQL's;
  - the column types (``types``), read with ``DESCRIBE``;
  - the SQL rules (``type: sql`` and the named checks of ``sql_checks.py``): the rule's own query,
    with the checked table as GX's ``{batch}``. A rule that allows N offending rows (``mustBe: N``)
    reports its rows only when there are more than N.

GX fetches at most 200 rows of an unexpected-rows query and ``SAMPLE_ROWS`` of a column rule, so what
leaves DuckDB does not grow with the table.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.contracts import Rule, TableContract
from pipelines.validation.sql_checks import lit, q

SAMPLE_ROWS = 5
UNEXPECTED_ROWS = "unexpected_rows_expectation"

# Expectations GX 1.24 computes in SQL as they are; each reports offending rows by index columns.
COLUMN_MAP = ("expect_column_values_to_not_be_null", "expect_column_values_to_be_in_set",
              "expect_column_values_to_not_be_in_set", "expect_column_values_to_be_between",
              "expect_column_value_lengths_to_be_between")
TABLE = ("expect_table_columns_to_match_set", "expect_table_row_count_to_be_between")
UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
REGEX = "expect_column_values_to_match_regex"


def trace_columns(columns: list[str], extra: list[str] = ()) -> list[str]:
    """Columns that tell a person where a row came from: snapshot file, data row, then the table's key."""
    first = [c for c in ("snapshot_id", "source_row", "register_file", "register_row") if c in columns]
    first += [c for c in columns if c.endswith("_snapshot_id") and c not in first]
    return first + [c for c in extra if c in columns and c not in first]


def suite_name(table: str) -> str:
    return f"contract__{table}"


def _braces(sql: str) -> str:
    """SQL as a GX query template: its own braces doubled (GX substitutes ``{batch}`` with str.format)."""
    return sql.replace("{", "{{").replace("}", "}}")


def expectation(contract: TableContract, rule: Rule, columns: list[str]) -> dict[str, Any]:
    """The GX expectation configuration of ``rule`` on ``contract``'s table, whose columns are ``columns``."""
    typ, kwargs = _compile(contract, rule, columns)
    return {
        "type": typ,
        "kwargs": kwargs,
        "meta": {"rule": rule.name, "severity": rule.severity, "contract": contract.file, "what_to_do": rule.action},
        "description": f"[{rule.severity}] {rule.name}: {rule.description}",
        "severity": "critical" if rule.severity == "block" else "warning",
        "notes": f"What to do when it fails: {rule.action}",
    }


def _compile(contract: TableContract, rule: Rule, columns: list[str]) -> tuple[str, dict[str, Any]]:
    trace = trace_columns(columns, contract.primary_key)
    if rule.kind == "gx" and rule.gx_type in TABLE:
        return rule.gx_type, {**rule.gx_kwargs, "result_format": sample_format(trace)}
    if rule.kind == "gx" and rule.gx_type in COLUMN_MAP:
        return rule.gx_type, {**rule.gx_kwargs, "result_format": sample_format(trace or [rule.column])}
    if rule.kind == "gx" and rule.gx_type in UNIQUENESS:
        key = list(rule.gx_kwargs.get("column_list") or [rule.gx_kwargs["column"]])
        shown = ", ".join(q(c) for c in [*[c for c in trace if c not in key], *key])
        query = (f"SELECT {shown} FROM {{batch}} QUALIFY count(*) OVER (PARTITION BY {', '.join(q(c) for c in key)}) > 1 "
                 f"ORDER BY {', '.join(q(c) for c in key)}, {shown}")
        return UNEXPECTED_ROWS, _rows(_braces_except_batch(query))
    if rule.kind == "gx" and rule.gx_type == REGEX:
        col = rule.gx_kwargs["column"]
        shown = ", ".join(q(c) for c in [*[c for c in trace if c != col], col])
        query = (f"SELECT {shown} FROM {{batch}} WHERE {q(col)} IS NOT NULL "
                 f"AND NOT regexp_matches(CAST({q(col)} AS VARCHAR), {lit(rule.gx_kwargs['regex'])}) ORDER BY ALL")
        return UNEXPECTED_ROWS, _rows(_braces_except_batch(query))
    if rule.kind == "types":
        expected = ", ".join(f"({lit(c)}, {lit(t)})" for c, t in rule.gx_kwargs.items())
        query = ("SELECT e.column_name AS \"column\", e.expected, d.column_type AS actual "
                 f"FROM (VALUES {expected}) AS e(column_name, expected) JOIN (DESCRIBE (SELECT * FROM {{batch}})) AS d "
                 "ON d.column_name = e.column_name WHERE upper(d.column_type) <> upper(e.expected) ORDER BY ALL")
        return UNEXPECTED_ROWS, _rows(_braces_except_batch(query))
    if rule.kind == "sql":
        # GX substitutes {batch} with the table's name or with a derived table "(...) AS subselect"; as a
        # subquery of its own, the rule's aliases ("table" o) stay valid either way
        query = _braces(rule.query or "").replace(q(contract.table), "(SELECT * FROM {batch})")
        if rule.max_rows:
            query = (f"WITH offending AS ({query}) SELECT * FROM offending "
                     f"WHERE (SELECT count(*) FROM offending) > {int(rule.max_rows)}")
        return UNEXPECTED_ROWS, _rows(query)
    raise ValueError(f"rule {rule.name!r} of {contract.file}: no expectation for kind {rule.kind!r} / {rule.gx_type!r}")


def sample_format(index_columns: list[str]) -> dict[str, Any]:
    """GX's result format of column rules: the count and the first offending rows, by their trace columns."""
    return {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS,
            "unexpected_index_column_names": list(index_columns)}


def _braces_except_batch(query: str) -> str:
    return _braces(query).replace("{{batch}}", "{batch}")


def _rows(query: str) -> dict[str, Any]:
    return {"unexpected_rows_query": query, "result_format": {"result_format": "COMPLETE"}}
