"""Regenerate the parts of docs/analysts.md that come from a build: the schema and the example results.

docs/analysts.md is written by people, except two kinds of generated block that this module rewrites from a
built ``monitor.duckdb``:

- ``<!-- schema -->`` ... ``<!-- /schema -->``: every published table and view with its row count and
  description, and the columns of the marts (names, types, descriptions, all from the catalog comments);
- a fenced ```` ```sql ```` example followed by ``<!-- result -->`` ... ``<!-- /result -->``: the query is run and
  its result written as a Markdown table.

After a build, regenerate with one command::

    .venv/bin/python -m pipelines.transform.analyst_docs            # rewrites docs/analysts.md
    .venv/bin/python -m pipelines.transform.analyst_docs --check    # exits 1 when the file is stale

(``--database`` picks another file; the default is the published ``$MONITOR_OUTPUT_DIR/monitor.duckdb``.)
A test runs ``--check`` against the test build, so committed results never drift from what the code builds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import re
import sys
from pathlib import Path

import duckdb

from pipelines.settings import REPO_ROOT, paths

DOC = REPO_ROOT / "docs" / "analysts.md"
MAX_ROWS = 25
# Tables whose columns the schema section lists; raw_*/stg_* tables share mart__observations' columns.
_DETAILED = re.compile(r"^(mart__.*|raw_snapshots__origins)$")
_SCHEMA = re.compile(r"(<!-- schema -->\n)(.*?)(<!-- /schema -->)", re.S)
_EXAMPLE = re.compile(r"(```sql\n(?P<sql>(?:(?!```).)*?)```\n+<!-- result -->\n)(?P<result>.*?)(<!-- /result -->)", re.S)


def _cell(value) -> str:
    if value is None:
        text = "NULL"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    else:
        text = str(value)
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def query_result(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The result of ``sql`` as a Markdown table (at most MAX_ROWS rows, then a count of the rest)."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return "*(no rows in this build)*\n"
    text = markdown_table(columns, rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        text += f"\n*… and {len(rows) - MAX_ROWS} more rows*\n"
    return text


def schema_markdown(con: duckdb.DuckDBPyConnection) -> str:
    objects = con.execute(
        "SELECT table_name, 'table' AS kind, comment FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal ORDER BY 1"
    ).fetchall()
    overview = [(name, kind, con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0], comment)
                for name, kind, comment in objects]
    parts = [markdown_table(["table", "kind", "rows", "description"], overview)]
    shown: dict[tuple, str] = {}
    for name, kind, _comment in objects:
        if not _DETAILED.match(name):
            continue
        columns = tuple(con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall())
        if columns in shown:
            parts.append(f"\n#### `{name}` ({kind})\n\nThe same columns as `{shown[columns]}`.\n")
            continue
        shown[columns] = name
        parts.append(f"\n#### `{name}` ({kind})\n\n" + markdown_table(["column", "type", "description"], list(columns)))
    return "".join(parts)


def render(text: str, con: duckdb.DuckDBPyConnection) -> str:
    """``text`` with every generated block rewritten from the database behind ``con``."""
    text = _SCHEMA.sub(lambda m: m.group(1) + schema_markdown(con) + m.group(3), text)

    def example(m: re.Match) -> str:
        try:
            result = query_result(con, m.group("sql"))
        except duckdb.Error as exc:
            raise SystemExit(f"docs/analysts.md: an example query fails:\n{m.group('sql')}\n{exc}") from exc
        return m.group(1) + "\n" + result + "\n" + m.group(4)

    return _EXAMPLE.sub(example, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.transform.analyst_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=None, help="built monitor.duckdb (default: the published one)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to rewrite")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the file is stale")
    args = parser.parse_args(argv)
    database = args.database or paths().output_dir / "monitor.duckdb"
    if not database.exists():
        print(f"{database} does not exist: run `monitor build` first", file=sys.stderr)
        return 2
    current = args.doc.read_text(encoding="utf-8")
    with duckdb.connect(str(database), read_only=True) as con:
        fresh = render(current, con)
    if args.check:
        if fresh != current:
            diff = difflib.unified_diff(current.splitlines(), fresh.splitlines(), str(args.doc), "regenerated", lineterm="")
            print("\n".join(list(diff)[:80]), file=sys.stderr)
            print(f"\n{args.doc} is stale against {database}: run `python -m pipelines.transform.analyst_docs` "
                  "after `monitor build` and commit the result", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        args.doc.write_text(fresh, encoding="utf-8")
        print(f"rewrote {args.doc} from {database}")
    else:
        print(f"{args.doc} is up to date with {database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
