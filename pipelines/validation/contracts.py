"""Load ODCS v3.1 contracts (``data_contracts/*.odcs.yaml``) and compile them into rules.

One contract file per table, named after it (``data_contracts/<table>.odcs.yaml``); what several contracts share
(the observation columns, rules of every raw table) is written once in ``data_contracts/shared_parts.yaml`` and
referred to with ``$part`` (``contract_parts.py``), resolved before the file is validated against ODCS. A file
whose name holds ``{source}`` (``raw_{source}__observations.odcs.yaml``) is the contract of that table of every
observation source that has no file of its own. Each table yields rules of three kinds:

- ``gx``: column-level expectations run by Great Expectations on a pandas copy of the table (exact column
  set, not-null, unique, compound primary key, between, regex, in-set, row count);
- ``types``: the DuckDB column types against ``physicalType``, read from the catalog;
- ``sql``: rules that select the offending rows in DuckDB: ``type: sql`` quality rules (``${object}`` is the
  table, ``${property}`` the column of a property-level rule) and the monitor's named checks
  (``type: custom``, ``engine: monitor``, see ``sql_checks.py``) for series, periods, revisions and ratios.

What maps to what, and the conventions we add to ODCS, is documented in docs/validation.md. Severity is
``block`` (stops the build before publication) or ``warn`` (reported); property flags are blocking.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import MonitorError, Problem
from pipelines.settings import CONTRACTS_DIR

SEVERITIES = ("block", "warn")
ENGINE = "monitor"  # `type: custom` rules with this engine are the named checks of sql_checks.py

ACTION_ROWS = ("The rows above name the snapshot file and the data row they came from: correct that file (then "
               "`monitor snapshots rehash FILE`, and say why in its sidecar's notes) or the reader that loaded it; "
               "if the source really publishes this, change the rule in the contract in a reviewed commit.")
ACTION_SHAPE = ("The table no longer has the shape its contract describes: a source renamed, dropped or added a "
                "column, or a reader or SQL model changed. Fix the reader/layout or the model; if the new shape is "
                "right, change the contract in the same reviewed commit.")


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # gx | types | sql
    severity: str  # block | warn
    description: str
    column: str | None = None
    gx_type: str | None = None
    gx_kwargs: dict[str, Any] = field(default_factory=dict)
    query: str | None = None  # sql: selects the offending rows
    max_rows: int = 0  # sql: how many offending rows are allowed
    action: str = ACTION_ROWS  # what a person should do when the rule fails
    reads: tuple[str, ...] = ()  # other tables a sql rule reads


@dataclass(frozen=True)
class TableContract:
    table: str
    file: str  # contract file, relative to the repository
    description: str
    owner: str
    properties: list[dict[str, Any]]
    rules: list[Rule]

    @property
    def columns(self) -> list[str]:
        return [p["name"] for p in self.properties]

    @property
    def primary_key(self) -> list[str]:
        keys = [p for p in self.properties if p.get("primaryKey")]
        return [p["name"] for p in sorted(keys, key=lambda p: p.get("primaryKeyPosition", 0))]

    @property
    def reads(self) -> set[str]:
        return {t for r in self.rules for t in r.reads if t != self.table}


def _custom(item: dict[str, Any], name: str) -> Any:
    for cp in item.get("customProperties") or []:
        if cp.get("property") == name:
            return cp.get("value")
    return None


class _Compiler:
    def __init__(self, rel: str, table: str, columns: list[str]):
        self.rel, self.table, self.columns = rel, table, columns

    def where(self, *parts: str) -> str:
        return f"{self.rel}#{'.'.join([self.table, *parts])}"

    def error(self, message: str, *parts: str, value: Any = None) -> MonitorError:
        return MonitorError(f"Contract {self.rel} cannot be compiled",
                            [Problem(message, file=self.rel, field=".".join([self.table, *parts]), value=value)],
                            hint="see docs/validation.md for what each ODCS field compiles to")

    def severity(self, item: dict[str, Any], *parts: str) -> str:
        severity = item.get("severity", "block")
        if severity not in SEVERITIES:
            raise self.error(f"severity must be one of {SEVERITIES}", *parts, "severity", value=severity)
        return severity

    def allowed_rows(self, q: dict[str, Any], *parts: str) -> int:
        """Offending rows a rule allows: ``mustBe`` (default 0), ``mustBeLessThan`` or ``mustBeLessOrEqualTo``."""
        if "mustBeLessOrEqualTo" in q:
            return int(q["mustBeLessOrEqualTo"])
        if "mustBeLessThan" in q:
            return int(q["mustBeLessThan"]) - 1
        value = q.get("mustBe", 0)
        if not isinstance(value, int) or value < 0:
            raise self.error("mustBe must be a number of rows (0 = no offending row)", *parts, value=value)
        for op in ("mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeBetween", "mustNotBeBetween"):
            if op in q:
                raise self.error(f"{op} is not supported on a rule that counts offending rows", *parts)
        return value

    def gx_metric(self, q: dict[str, Any], col: str, *parts: str) -> Rule:
        metric, args = q.get("metric"), q.get("arguments") or {}
        name = q.get("name") or f"{col}: {metric}"
        if self.allowed_rows(q, *parts) != 0:
            raise self.error("library metrics on properties support mustBe: 0 only", *parts)
        common = dict(severity=self.severity(q, *parts), column=col)
        if metric == "invalidValues" and "validValues" in args:
            return Rule(name, "gx", description=q.get("description") or f"{col} is one of {args['validValues']}",
                        gx_type="expect_column_values_to_be_in_set", gx_kwargs={"column": col, "value_set": args["validValues"]}, **common)
        if metric == "invalidValues" and "pattern" in args:
            return Rule(name, "gx", description=q.get("description") or f"{col} matches {args['pattern']}",
                        gx_type="expect_column_values_to_match_regex", gx_kwargs={"column": col, "regex": args["pattern"]}, **common)
        if metric == "nullValues":
            return Rule(name, "gx", description=q.get("description") or f"{col} is never empty",
                        gx_type="expect_column_values_to_not_be_null", gx_kwargs={"column": col}, **common)
        if metric == "missingValues":
            missing = [v for v in args.get("missingValues", []) if v is not None]
            return Rule(name, "gx", description=q.get("description") or f"{col} is not one of the missing markers {missing}",
                        gx_type="expect_column_values_to_not_be_in_set", gx_kwargs={"column": col, "value_set": missing}, **common)
        if metric == "duplicateValues":
            return Rule(name, "gx", description=q.get("description") or f"{col} is unique",
                        gx_type="expect_column_values_to_be_unique", gx_kwargs={"column": col}, **common)
        raise self.error("unsupported metric (use nullValues, missingValues, invalidValues with validValues or pattern, "
                         "duplicateValues)", *parts, value=metric)

    def sql(self, q: dict[str, Any], default_name: str, col: str | None, *parts: str) -> Rule:
        if not q.get("query"):
            raise self.error("a type: sql rule needs a query that selects the offending rows", *parts)
        query = q["query"].replace("${object}", f'"{self.table}"')
        if col:
            query = query.replace("${property}", f'"{col}"')
        name = q.get("name") or default_name
        return Rule(name, "sql", self.severity(q, *parts), q.get("description") or name, column=col, query=query,
                    max_rows=self.allowed_rows(q, *parts), action=_custom(q, "action") or ACTION_ROWS,
                    reads=_reads(query, self.where(*parts)))

    def named_check(self, q: dict[str, Any], col: str | None, *parts: str) -> Rule:
        from pipelines.validation.sql_checks import compile_check

        impl = q.get("implementation")
        if q.get("engine") != ENGINE or not isinstance(impl, dict) or "check" not in impl:
            raise self.error(f"custom rules need engine: {ENGINE} and implementation: {{check: NAME, ...}}", *parts)
        try:
            check = compile_check(self.table, impl, columns=self.columns, column=col)
        except (KeyError, TypeError, ValueError) as exc:
            raise self.error(f"check {impl.get('check')!r}: {exc}", *parts, "implementation") from exc
        name = q.get("name") or impl["check"]
        return Rule(name, "sql", self.severity(q, *parts), q.get("description") or check.description, column=col,
                    query=check.query, max_rows=self.allowed_rows(q, *parts),
                    action=_custom(q, "action") or check.action or ACTION_ROWS, reads=_reads(check.query, self.where(*parts)))

    def quality(self, q: dict[str, Any], col: str | None, *parts: str) -> Rule | None:
        kind = q.get("type", "library")
        if kind == "text":
            return None  # documentation for people; nothing to run
        if kind == "sql":
            return self.sql(q, f"{col}: sql" if col else "sql", col, *parts)
        if kind == "custom":
            return self.named_check(q, col, *parts)
        metric = q.get("metric") or q.get("rule")
        if col is not None:
            return self.gx_metric(q, col, *parts)
        if metric == "rowCount":
            low = q.get("mustBeGreaterOrEqualTo", None if q.get("mustBeGreaterThan") is None else int(q["mustBeGreaterThan"]) + 1)
            high = q.get("mustBeLessOrEqualTo", None if q.get("mustBeLessThan") is None else int(q["mustBeLessThan"]) - 1)
            if "mustBeBetween" in q:
                low, high = q["mustBeBetween"]
            if "mustBe" in q:
                low = high = q["mustBe"]
            return Rule(q.get("name") or "row count", "gx", self.severity(q, *parts),
                        q.get("description") or f"the table has between {low} and {high} rows",
                        gx_type="expect_table_row_count_to_be_between", gx_kwargs={"min_value": low, "max_value": high},
                        action=_custom(q, "action") or "An empty or short table means a source delivered nothing: check "
                        "the snapshot files of this source and the reader's log.")
        if metric == "duplicateValues" and (q.get("arguments") or {}).get("properties"):
            cols = list(q["arguments"]["properties"])
            return Rule(q.get("name") or "no duplicate rows", "gx", self.severity(q, *parts),
                        q.get("description") or f"one row per ({', '.join(cols)})",
                        gx_type="expect_compound_columns_to_be_unique", gx_kwargs={"column_list": cols})
        raise self.error("unsupported table rule (use type: sql, type: custom with engine: monitor, metric: rowCount "
                         "or metric: duplicateValues with arguments.properties)", *parts, value=metric)

    def property_rules(self, prop: dict[str, Any]) -> list[Rule]:
        col = prop["name"]
        parts = ("properties", col)
        rules = []
        if prop.get("required"):
            rules.append(Rule(f"{col}: required", "gx", "block", f"{col} is never empty", col,
                              "expect_column_values_to_not_be_null", {"column": col}))
        if prop.get("unique"):
            rules.append(Rule(f"{col}: unique", "gx", "block", f"{col} is unique", col,
                              "expect_column_values_to_be_unique", {"column": col}))
        opts = prop.get("logicalTypeOptions") or {}
        bounds = {k: opts[k] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if k in opts}
        if bounds:
            low = bounds.get("minimum", bounds.get("exclusiveMinimum"))
            high = bounds.get("maximum", bounds.get("exclusiveMaximum"))
            text = (f"{col} {'>' if 'exclusiveMinimum' in bounds else '>='} {low}" if low is not None else "") + \
                   (" and " if low is not None and high is not None else "") + \
                   (f"{col} {'<' if 'exclusiveMaximum' in bounds else '<='} {high}" if high is not None else "")
            rules.append(Rule(f"{col}: range", "gx", "block", text, col, "expect_column_values_to_be_between",
                              {"column": col, "min_value": low, "max_value": high,
                               "strict_min": "exclusiveMinimum" in bounds, "strict_max": "exclusiveMaximum" in bounds}))
        if "pattern" in opts:
            rules.append(Rule(f"{col}: pattern", "gx", "block", f"{col} matches {opts['pattern']}", col,
                              "expect_column_values_to_match_regex", {"column": col, "regex": opts["pattern"]}))
        if "minLength" in opts or "maxLength" in opts:
            rules.append(Rule(f"{col}: length", "gx", "block", f"{col} has {opts.get('minLength', 0)}..{opts.get('maxLength', '')} characters",
                              col, "expect_column_value_lengths_to_be_between",
                              {"column": col, "min_value": opts.get("minLength"), "max_value": opts.get("maxLength")}))
        for i, q in enumerate(prop.get("quality") or []):
            rule = self.quality(q, col, *parts, "quality", q.get("name") or str(i))
            if rule:
                rules.append(rule)
        return rules

    def table_rules(self, obj: dict[str, Any]) -> list[Rule]:
        props = obj.get("properties") or []
        rules = [
            Rule("columns match the contract", "gx", "block", "the table has exactly the contract's columns", None,
                 "expect_table_columns_to_match_set", {"column_set": [p["name"] for p in props], "exact_match": True},
                 action=ACTION_SHAPE),
            Rule("column types", "types", "block", "DuckDB column types equal physicalType", None,
                 gx_kwargs={p["name"]: p["physicalType"] for p in props if p.get("physicalType")}, action=ACTION_SHAPE),
        ]
        keys = sorted((p for p in props if p.get("primaryKey")), key=lambda p: p.get("primaryKeyPosition", 0))
        if keys:
            cols = [p["name"] for p in keys]
            rules.append(Rule("primary key unique", "gx", "block", f"one row per ({', '.join(cols)})",
                              cols[0] if len(cols) == 1 else None,
                              *(("expect_column_values_to_be_unique", {"column": cols[0]}) if len(cols) == 1 else
                                ("expect_compound_columns_to_be_unique", {"column_list": cols})),
                              action="Two rows describe the same figure: a row was duplicated in a snapshot file, or two "
                              "files hold the same figure. " + ACTION_ROWS))
        for i, q in enumerate(obj.get("quality") or []):
            rule = self.quality(q, None, "quality", q.get("name") or str(i))
            if rule:
                rules.append(rule)
        names = [r.name for r in rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise self.error("two rules of one table share a name; give each rule its own name", value=dupes)
        return rules


def _reads(query: str, where: str) -> tuple[str, ...]:
    from pipelines.transform.sql_models import table_references

    return table_references(query, where)


def _for_source(value: Any, source: str) -> Any:
    from pipelines.transform.sql_models import SOURCE

    if isinstance(value, str):
        return value.replace(SOURCE, source)
    if isinstance(value, list):
        return [_for_source(v, source) for v in value]
    if isinstance(value, dict):
        return {k: _for_source(v, source) for k, v in value.items()}
    return value


def _expand_sources(objects: list[dict], explicit: set[str]) -> list[dict]:
    """``{source}`` in contracts, as in sql/ (pipelines/transform/sql_models.py): a schema entry whose name holds it
    describes that table of every observation source that has no entry of its own; a rule query that holds it
    (in any entry) is its copies for every source joined with UNION ALL."""
    from pipelines.transform.sql_models import SOURCE, observation_sources

    sources = observation_sources()
    out = []
    for obj in objects:
        if SOURCE in obj["name"]:
            out += [_for_source(obj, s) for s in sources if obj["name"].replace(SOURCE, s) not in explicit]
            continue
        quality = []
        for q in obj.get("quality") or []:
            if SOURCE in str(q.get("query", "")):
                q = dict(q, query="\nUNION ALL\n".join(f"({q['query'].replace(SOURCE, s)})" for s in sources))
            quality.append(q)
        out.append(dict(obj, quality=quality) if obj.get("quality") else obj)
    return out


def _load_file(path: Path, explicit: frozenset[str] = frozenset()) -> list[TableContract]:
    """The tables of one contract file; a ``{source}`` entry is expanded for the sources not in ``explicit``."""
    from open_data_contract_standard.model import OpenDataContractStandard

    from pipelines.validation.contract_parts import resolve

    rel = path.relative_to(path.parents[1]).as_posix() if len(path.parents) > 1 else path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MonitorError(f"Contract {rel} is not valid YAML", [Problem(" ".join(str(exc).split())[:400], file=rel)],
                           hint="fix the YAML; `docs/validation.md` lists the fields the monitor uses") from exc
    doc = resolve(doc, path, rel)
    try:
        OpenDataContractStandard.model_validate(doc)
    except Exception as exc:  # pydantic: name the file
        raise MonitorError(f"Contract {rel} is not a valid ODCS v3.1 contract",
                           [Problem(" ".join(str(exc).split())[:400], file=rel)],
                           hint="fix the YAML; `docs/validation.md` lists the fields the monitor uses") from exc
    if doc.get("apiVersion") != "v3.1.0":
        raise MonitorError(f"Contract {rel} is not ODCS v3.1.0", [Problem("apiVersion must be v3.1.0", file=rel, field="apiVersion",
                                                                          value=doc.get("apiVersion"))])
    default_owner = _custom(doc, "owner") or (doc.get("team") or {}).get("name") or "unknown"
    tables = []
    objects = doc.get("schema") or []
    for obj in _expand_sources(objects, explicit | {o["name"] for o in objects}):
        compiler = _Compiler(rel, obj["name"], [p["name"] for p in obj.get("properties") or []])
        rules = [r for p in obj.get("properties") or [] for r in compiler.property_rules(p)] + compiler.table_rules(obj)
        names = [r.name for r in rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise MonitorError(f"Contract {rel}: table {obj['name']} has rules with the same name",
                               [Problem("rule name used more than once (a rule the shared properties already carry?)",
                                        file=rel, field=f"{obj['name']}.quality.{n}") for n in repeated],
                               hint="rule names must be unique per table: they name the rule in every failure message")
        tables.append(TableContract(obj["name"], rel, obj.get("description", ""), _custom(obj, "owner") or default_owner,
                                    obj.get("properties") or [], rules))
    return tables


@functools.cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, TableContract]:
    """Every table contract in ``directory`` (``*.odcs.yaml``), by table name; the ``{source}`` files last, for
    the sources whose table has no file of its own."""
    from pipelines.transform.sql_models import SOURCE

    contracts: dict[str, TableContract] = {}
    for path in sorted(Path(directory).glob("*.odcs.yaml"), key=lambda p: (SOURCE in p.name, p.name)):
        for tc in _load_file(path, frozenset(contracts)):
            if tc.table in contracts:
                raise MonitorError("Table has two contracts", [Problem(f"also in {contracts[tc.table].file}", file=tc.file, field=tc.table)])
            contracts[tc.table] = tc
    return contracts

