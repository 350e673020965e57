"""Reproducible editions: what must be equal, bit for bit, when an edition is rebuilt from the same commit and
snapshots, and the comparison ``monitor edition verify`` runs.

Every published file of an edition is compared by its sha256 (listed in the edition's ``build.json``), except
``monitor.duckdb``: a DuckDB file carries bytes that differ between two writes of the same content (block
layout and header fields), so it is compared by ``database_digest`` — a canonical dump of its content: every
table's and view's name, columns, types and descriptions, every view's SQL, every macro, and every row (sorted).
``build.json`` holds only facts that follow from the commit and the data; what is a fact of one build (run id,
time, Python version, and the sha256 of the database file's bytes) is in ``build-facts.json``, which a rebuild
does not reproduce; ``verify_frozen`` still checks the frozen database's bytes against it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from pipelines.core.errors import Problem
from pipelines.core.publish import BUILD_FACTS, MANIFEST, file_digests
from pipelines.core.snapshots import sha256_file
from pipelines.core.warehouse import connect

CONTENT_COMPARED = {"monitor.duckdb"}  # compared by database_digest, not by its bytes

_CATALOG = [
    "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1",
    "SELECT view_name, comment, sql FROM duckdb_views() WHERE NOT internal AND database_name = current_database() ORDER BY 1",
    "SELECT table_name, column_index, column_name, data_type, comment FROM duckdb_columns() "
    "WHERE database_name = current_database() ORDER BY 1, 2",
    "SELECT function_name, macro_definition FROM duckdb_functions() WHERE NOT internal AND function_type = 'macro' "
    "AND database_name = current_database() ORDER BY 1, 2",
]


def database_digest(path: Path) -> str:
    """sha256 of the canonical dump of the DuckDB file at ``path`` (opened read-only)."""
    h = hashlib.sha256()
    with connect(Path(path), read_only=True) as con:
        for query in _CATALOG:
            for row in con.execute(query).fetchall():
                h.update(repr(row).encode("utf-8") + b"\n")
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                    "ORDER BY 1").fetchall():
            digest, rows = _rows_digest(con, table)
            h.update(f"{table}\t{rows}\t{digest}\n".encode("utf-8"))
    return h.hexdigest()


def _rows_digest(con: duckdb.DuckDBPyConnection, table: str, batch: int = 10_000) -> tuple[str, int]:
    """sha256 of the table's rows, each cast to text, sorted and joined by newlines, and the row count. The rows
    are streamed (DuckDB sorts within its memory limit, spilling to disk), so a table of millions of rows is
    hashed in bounded memory."""
    h = hashlib.sha256()
    rows = 0
    cursor = con.execute(f'SELECT CAST(t AS VARCHAR) AS r FROM "{table}" t ORDER BY r')
    while chunk := cursor.fetchmany(batch):
        for (r,) in chunk:
            h.update((b"\n" if rows else b"") + r.encode("utf-8"))
            rows += 1
    return h.hexdigest(), rows


def edition_digests(root: Path, files: list[str]) -> dict[str, str]:
    """What ``build.json`` records for ``files`` under ``root``: sha256 of each file's bytes, and for a database
    ``content:<sha256>`` of its canonical dump."""
    digests = file_digests(root, files)
    for name in CONTENT_COMPARED & set(digests):
        digests[name] = "content:" + database_digest(root / name)
    return digests


def _manifest(root: Path) -> dict:
    return json.loads((root / MANIFEST).read_text(encoding="utf-8"))


def verify_frozen(edition_dir: Path) -> list[Problem]:
    """Every file of a frozen edition still has the digest its ``build.json`` lists (and a database the sha256 of
    its bytes in ``build-facts.json`` too: one changed byte anywhere in it is found), and no file was added."""
    manifest = _manifest(edition_dir)
    recorded: dict[str, str] = manifest.get("sha256") or {}
    if not recorded:
        return [Problem("build.json lists no sha256 per file (an edition frozen before editions were reproducible)",
                        file=str(edition_dir / MANIFEST), field="sha256")]
    facts_path = edition_dir / BUILD_FACTS
    facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else {}
    problems = []
    found, unreadable = file_digests(edition_dir, manifest.get("files") or []), {}
    for name in sorted(CONTENT_COMPARED & set(found)):
        try:
            found[name] = "content:" + database_digest(edition_dir / name)
        except duckdb.Error as exc:  # a changed byte can make the file unreadable (DuckDB checksums its blocks)
            found[name], unreadable[name] = "unreadable", str(exc).splitlines()[0]
    for name in sorted(set(recorded) | set(found)):
        if name in unreadable:
            problems.append(Problem(f"changed since the edition was frozen: it cannot be read as a DuckDB database "
                                    f"({unreadable[name]})", file=str(edition_dir / name)))
        elif name not in found:
            problems.append(Problem("listed in build.json but missing", file=str(edition_dir / name)))
        elif name not in recorded:
            problems.append(Problem("not listed in build.json (added after the edition was frozen)",
                                    file=str(edition_dir / name)))
        elif found[name] != recorded[name]:
            problems.append(Problem(f"changed since the edition was frozen: {found[name][:24]}…, build.json "
                                    f"says {recorded[name][:24]}…", file=str(edition_dir / name)))
    for name in sorted(CONTENT_COMPARED & set(recorded)):
        stated = (facts.get("file_sha256") or {}).get(name)
        if (edition_dir / name).is_file() and stated != sha256_file(edition_dir / name):
            problems.append(Problem(f"its bytes changed since the edition was frozen (build-facts.json file_sha256 "
                                    f"says {str(stated)[:16]}…)", file=str(edition_dir / name)))
    return problems


def compare_rebuild(edition_dir: Path, rebuilt_dir: Path) -> list[Problem]:
    """A rebuild of the edition (``rebuilt_dir``) reproduces every recorded file and the whole of ``build.json``."""
    frozen, rebuilt = _manifest(edition_dir), _manifest(rebuilt_dir)
    problems = []
    for name in sorted(set(frozen.get("sha256", {})) | set(rebuilt.get("sha256", {}))):
        a, b = frozen.get("sha256", {}).get(name), rebuilt.get("sha256", {}).get(name)
        if a != b:
            problems.append(Problem(f"the rebuild differs: frozen {str(a)[:16]}…, rebuilt {str(b)[:16]}…",
                                    file=str(edition_dir / name)))
    for key in sorted((set(frozen) | set(rebuilt)) - {"sha256"}):
        if frozen.get(key) != rebuilt.get(key):
            problems.append(Problem(f"the rebuild differs: frozen {frozen.get(key)!r}, rebuilt {rebuilt.get(key)!r}",
                                    file=str(edition_dir / MANIFEST), field=key))
    return problems


__all__ = ["BUILD_FACTS", "CONTENT_COMPARED", "compare_rebuild", "database_digest", "edition_digests", "verify_frozen"]
