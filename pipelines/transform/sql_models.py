"""Discover SQL models in ``sql/`` and turn each into a Dagster asset.

A model is one file ``sql/<layer>/<name>.sql`` holding one DuckDB ``SELECT`` (CTEs allowed). The file
name is the table (and asset) name. Its upstream assets are the tables it reads, found by parsing the SQL
with sqlglot, so dependencies are never declared twice. Header comments configure the model::

    -- description: One line that ends up in the Dagster UI and the DuckDB catalog.
    -- materialized: table        (default) or view

Adding a model is adding a file.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipelines.core.errors import MonitorError, Problem
from pipelines.settings import SQL_DIR

LAYERS = ("staging", "marts")
_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    description: str
    materialized: str
    references: tuple[str, ...]  # every table the SQL reads, CTE names excluded

    @property
    def rel_path(self) -> str:
        return self.path.relative_to(self.path.parents[2]).as_posix()


def table_references(sql: str, file: str = "<sql>") -> tuple[str, ...]:
    """Names of the tables a SELECT reads (CTEs excluded), parsed with sqlglot's DuckDB dialect."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise MonitorError(f"SQL model {file} does not parse", [Problem(str(exc).splitlines()[0], file=file)]) from exc
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
    return tuple(sorted(names))


def _parse_file(path: Path, layer: str) -> SqlModel:
    text = path.read_text(encoding="utf-8")
    header = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            if line.strip():
                break
            continue
        if m := _HEADER.match(line):
            header[m.group(1).lower()] = m.group(2)
    sql = text.strip().rstrip(";")
    materialized = header.get("materialized", "table")
    rel = f"sql/{layer}/{path.name}"
    if materialized not in ("table", "view"):
        raise MonitorError(f"SQL model {rel}: bad header", [Problem("materialized must be table or view", file=rel, field="materialized", value=materialized)])
    return SqlModel(path.stem, layer, path, sql, header.get("description", ""), materialized, table_references(sql, rel))


@functools.cache
def discover(sql_dir: Path = SQL_DIR) -> tuple[SqlModel, ...]:
    models = []
    for layer in LAYERS:
        for path in sorted((Path(sql_dir) / layer).glob("*.sql")):
            models.append(_parse_file(path, layer))
    names = [m.name for m in models]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise MonitorError("Two SQL models share a name", [Problem("duplicate model name", field=n) for n in sorted(dupes)])
    return tuple(models)


def dependency_graph(models: tuple[SqlModel, ...], known_tables: set[str]) -> dict[str, tuple[str, ...]]:
    """Model -> upstream tables. Every reference must be a model or a known (raw) table."""
    available = known_tables | {m.name for m in models}
    problems = [
        Problem(f"reads table '{ref}', which no asset produces", file=f"sql/{m.layer}/{m.path.name}")
        for m in models for ref in m.references if ref not in available
    ]
    if problems:
        raise MonitorError("SQL models read unknown tables", problems,
                           hint="check the table name (raw_<source>__<name>, stg_<source>__<name>, mart__<name>)")
    return {m.name: m.references for m in models}
