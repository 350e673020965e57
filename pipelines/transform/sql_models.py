"""Discover SQL models in ``sql/`` and turn each into a Dagster asset.

A model is one file ``sql/<layer>/<name>.sql`` holding one DuckDB ``SELECT`` (CTEs allowed). The file
name is the table (and asset) name. Its upstream assets are the tables it reads, found by parsing the SQL
with sqlglot, so dependencies are never declared twice. A model reads warehouse tables only: table
functions that read files (``read_csv``, ``'x.parquet'``) and other databases are rejected, because files
enter the monitor through verified snapshots and raw assets. A header comment configures the model::

    -- materialized: table        (default) or view
    -- published: table           (a view only) store the view's rows as a table in the published database

A view keeps the working warehouse at one copy of every observation; ``published: table`` is for a view that
analysts query most and that joins (``mart__figures``): the published, read-only file stores its rows, so a query
reads them instead of running the view's joins each time.

Its description is written once, in its data contract (pipelines/descriptions.py); a ``-- description:``
header is refused, so that two texts cannot drift apart.

Sources: ``{source}`` stands for each observation source (a folder under ``pipelines/sources/``). A file whose
*name* holds it is a model per source (``stg_{source}__observations.sql``: every source gets the same staging,
unless it has a file of its own, e.g. ``stg_cbs__observations.sql``); a model whose *SQL* holds it is the copies
of that SQL for every source joined with ``UNION ALL BY NAME`` (``mart__observations``). Adding a source is adding
its folder: nothing in ``sql/`` is edited.

Adding a model is adding a file.

Cleaning that several models share is written once as a DuckDB macro in ``sql/macros/<name>.sql`` (one
``CREATE OR REPLACE MACRO <name>(...) AS ...`` per file, named after the file). A model that calls a macro gets
it created in the warehouse before it runs, and the macro's text is part of the model's code version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipelines.core.errors import MonitorError, Problem
from pipelines.settings import SQL_DIR

LAYERS = ("staging", "marts")
_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.+?)\s*$")
_ROW_GENERATORS = (exp.GenerateSeries,)


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    materialized: str
    references: tuple[str, ...]  # every table the SQL reads, CTE names excluded
    macros: tuple[str, ...] = ()  # the sql/macros/ it calls
    published: str = "table"  # how monitor.duckdb holds it: "table" or "view" (a view recreated from its SQL)

    @property
    def rel_path(self) -> str:
        return self.path.relative_to(self.path.parents[2]).as_posix()


def _parse(sql: str, file: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise MonitorError(f"SQL model {file} does not parse", [Problem(str(exc).splitlines()[0], file=file)]) from exc
    if len(statements) != 1 or not isinstance(statements[0], (exp.Query, exp.Pivot)):
        kinds = ", ".join(type(s).__name__.upper() for s in statements) or "nothing"
        raise MonitorError(f"SQL model {file} must be one SELECT", [Problem(f"found {kinds}", file=file)],
                           hint="write one SELECT (CTEs allowed) per file; the asset creates the table or view from it")
    return statements[0]


def table_references(sql: str, file: str = "<sql>") -> tuple[str, ...]:
    """Names of the tables a SELECT reads (CTEs excluded), parsed with sqlglot's DuckDB dialect."""
    tree = _parse(sql, file)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    problems = []
    names = set()
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func):
            if isinstance(table.this, _ROW_GENERATORS):
                continue  # range(), generate_series(): rows from arguments, no I/O
            problems.append(Problem(f"reads with the table function {table.this.sql(dialect='duckdb')[:60]}", file=file))
        elif table.catalog or table.db not in ("", "main"):
            problems.append(Problem(f"reads '{table.sql(dialect='duckdb')}' from another database or schema", file=file))
        elif table.name and table.name not in ctes:
            names.add(table.name)
    if problems:
        raise MonitorError(f"SQL model {file} reads outside the warehouse", problems,
                           hint="read files through a snapshot and a raw asset (docs/snapshots.md); models read tables only")
    return tuple(sorted(names))


def _parse_file(path: Path, layer: str, source: str | None = None, union_of: list[str] | None = None) -> SqlModel:
    text = path.read_text(encoding="utf-8")
    if source is not None:
        text = text.replace(SOURCE, source)
    header = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            if line.strip():
                break
            continue
        if m := _HEADER.match(line):
            header[m.group(1).lower()] = m.group(2)
    sql = text.strip().rstrip(";")
    if union_of is not None:
        body = "\n".join(line for line in sql.splitlines() if not line.startswith("--")).strip()
        comments = "\n".join(line for line in sql.splitlines() if line.startswith("--"))
        sql = comments + "\n" + "\nUNION ALL BY NAME\n".join(body.replace(SOURCE, s) for s in union_of)
    materialized = header.get("materialized", "table")
    rel = f"sql/{layer}/{path.name}"
    if "description" in header:
        raise MonitorError(f"SQL model {rel}: the description belongs in the data contract",
                           [Problem("a '-- description:' header", file=rel, field="description")],
                           hint=f"move the text into the table's description in data_contracts/ ({path.stem}) and "
                           "remove the header: a description is written once, in the contract")
    if materialized not in ("table", "view"):
        raise MonitorError(f"SQL model {rel}: bad header", [Problem("materialized must be table or view", file=rel, field="materialized", value=materialized)])
    published = header.get("published", materialized)
    if published not in ("table", "view") or (materialized == "table" and published == "view"):
        raise MonitorError(f"SQL model {rel}: bad header",
                           [Problem("published must be table, or view for a view", file=rel, field="published",
                                    value=published)])
    name = path.stem.replace(SOURCE, source) if source is not None else path.stem
    return SqlModel(name, layer, path, sql, materialized, table_references(sql, rel),
                    macros_called(sql, rel, {m.name for m in discover_macros(path.parents[1])}), published)


@dataclass(frozen=True)
class SqlMacro:
    name: str
    path: Path
    sql: str


def macros_called(sql: str, file: str, macros: set[str]) -> tuple[str, ...]:
    """The macros of ``sql/macros/`` that a model calls (functions DuckDB does not know are macros)."""
    return tuple(sorted({f.name for f in _parse(sql, file).find_all(exp.Anonymous)} & macros))


@functools.cache
def discover_macros(sql_dir: Path = SQL_DIR) -> tuple[SqlMacro, ...]:
    found = []
    for path in sorted((Path(sql_dir) / "macros").glob("*.sql")):
        rel = f"sql/macros/{path.name}"
        text = path.read_text(encoding="utf-8").strip().rstrip(";")
        try:
            statement = sqlglot.parse_one(text, read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise MonitorError(f"SQL macro {rel} does not parse", [Problem(str(exc).splitlines()[0], file=rel)]) from exc
        udf = statement.this if isinstance(statement, exp.Create) else None
        name = udf.this.name if isinstance(udf, exp.UserDefinedFunction) and isinstance(udf.this, exp.Expression) else None
        if not (isinstance(statement, exp.Create) and str(statement.args.get("kind", "")).upper() == "MACRO") or name != path.stem:
            raise MonitorError(f"SQL macro {rel} must be one CREATE OR REPLACE MACRO {path.stem}(...)",
                               [Problem(f"found {type(statement).__name__.upper()} {name or ''}".strip(), file=rel)])
        found.append(SqlMacro(path.stem, path, text))
    return tuple(found)


def macro_statements(names: tuple[str, ...] | list[str], sql_dir: Path = SQL_DIR) -> list[str]:
    """The CREATE OR REPLACE MACRO statements for ``names``, in file order."""
    wanted = set(names)
    return [m.sql for m in discover_macros(sql_dir) if m.name in wanted]


SOURCE = "{source}"


def observation_sources() -> list[str]:
    from pipelines.sources import source_names

    return source_names()


def _expanded(path: Path, layer: str, sources: list[str]) -> list[SqlModel]:
    """The models of one file: itself, one per source (``{source}`` in its name), or the union over the sources
    (``{source}`` in its SQL)."""
    if SOURCE in path.name:
        own = {p.name for p in path.parent.glob("*.sql")}
        return [_parse_file(path, layer, source=s) for s in sources if path.name.replace(SOURCE, s) not in own]
    if SOURCE in path.read_text(encoding="utf-8"):
        return [_parse_file(path, layer, union_of=sources)]
    return [_parse_file(path, layer)]


@functools.cache
def discover(sql_dir: Path = SQL_DIR, sources: tuple[str, ...] | None = None) -> tuple[SqlModel, ...]:
    sources = list(sources) if sources is not None else observation_sources()
    models = []
    for layer in LAYERS:
        for path in sorted((Path(sql_dir) / layer).glob("*.sql")):
            models.extend(_expanded(path, layer, sources))
    names = [m.name for m in models]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise MonitorError("Two SQL models share a name", [Problem("duplicate model name", field=n) for n in sorted(dupes)])
    return tuple(models)


def dependency_graph(models: tuple[SqlModel, ...], known_tables: set[str]) -> dict[str, tuple[str, ...]]:
    """Model -> upstream tables. Every reference must be a model or a known (raw) table, and no model may
    depend on itself through other models."""
    available = known_tables | {m.name for m in models}
    problems = [
        Problem(f"reads table '{ref}', which no asset produces", file=f"sql/{m.layer}/{m.path.name}")
        for m in models for ref in m.references if ref not in available
    ]
    if problems:
        raise MonitorError("SQL models read unknown tables", problems,
                           hint="check the table name (raw_<source>__<name>, stg_<source>__<name>, mart__<name>)")
    graph = {m.name: m.references for m in models}
    build_order(graph)  # raises on a cycle
    return graph


def build_order(graph: dict[str, tuple[str, ...]], roots: Sequence[str] = ()) -> list[str]:
    """The models in an order where every model comes after the models it reads (raw tables are not listed);
    with ``roots``, only those models and the models they read, directly or through others."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join((*path[path.index(name):], name))
            raise MonitorError("SQL models read each other in a cycle", [Problem(cycle, file=f"{name}.sql")],
                               hint="a model cannot (indirectly) read itself; move the shared part into its own model")
        state[name] = "visiting"
        for ref in graph[name]:
            if ref in graph:
                visit(ref, (*path, name))
        state[name] = "done"
        order.append(name)

    for name in sorted(roots or graph):
        visit(name, ())
    return order
