"""Analysts hold read-only connections while scheduled refreshes replace output/monitor.duckdb.

A refresh here is the publication's own code path: ``export_published_database`` (what
``publication__database`` runs) into a fresh staging directory, then ``publish.release`` (what
``publication__release`` runs), from a copy of the session build's working warehouse. That is the part of a
build that touches the published file; the steps before it only write the working warehouse, which analysts
never open.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import duckdb
import pytest

from pipelines.core.publish import release
from pipelines.definitions import warehouse_tables
from pipelines.publication.assets import DATABASE, export_published_database

pytestmark = pytest.mark.slow

QUERY = "SELECT count(*), round(sum(value), 3) FROM mart__figures_current"

# A reader process. hold: one connection for its whole life; reconnect: connect, query, close, again.
# It prints a line whenever the result changes (first line: 'ready'), and on stop a JSON summary.
READER = r"""
import json, os, sys, duckdb
path, mode, stop, query = sys.argv[1:5]
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
sequence, errors, reads, last = [], [], 0, None
while True:
    stopping = os.path.exists(stop)
    try:
        con = held or duckdb.connect(path, read_only=True)
        result = list(con.execute(query).fetchone())
        if held is None:
            con.close()
        reads += 1
        if result != last:
            sequence.append(result)
            print(json.dumps({"ready" if last is None else "changed": result}), flush=True)
            last = result
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    if stopping:
        break
print(json.dumps({"summary": {"sequence": sequence, "errors": errors[:5], "error_count": len(errors), "reads": reads}}), flush=True)
"""


class Reader:
    def __init__(self, path: Path, mode: str, stop: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", READER, str(path), mode, str(stop), QUERY],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[dict] = []
        self._seen = threading.Condition()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            with self._seen:
                self.lines.append(json.loads(line))
                self._seen.notify_all()

    def wait_for(self, predicate, timeout: float = 60) -> dict:
        with self._seen:
            ok = self._seen.wait_for(lambda: any(predicate(x) for x in self.lines) or self.proc.poll() is not None, timeout)
            found = [x for x in self.lines if predicate(x)]
        assert ok and found, f"reader did not report in time: {self.lines} {self.proc.stderr.read() if self.proc.poll() is not None else ''}"
        return found[0]

    def summary(self) -> dict:
        self.proc.wait(timeout=60)
        self._thread.join(timeout=10)
        assert self.proc.returncode == 0, self.proc.stderr.read()
        return next(x["summary"] for x in self.lines if "summary" in x)


@pytest.fixture
def warehouses(built, tmp_path):
    """Two working warehouses: the build's (old) and one with the WagwEU figures removed (new content)."""
    old = tmp_path / "old.duckdb"
    shutil.copyfile(built.work / "warehouse.duckdb", old)
    new = tmp_path / "new.duckdb"
    shutil.copyfile(old, new)
    with duckdb.connect(str(new)) as con:
        con.execute("DELETE FROM raw_wagweu__observations")  # mart__figures is a view over the raw tables
    return old, new


def refresh(work: Path, root: Path, run: int) -> Path:
    staging = root / "work" / "staging" / uuid.uuid4().hex
    export_published_database(work, staging / DATABASE, warehouse_tables)
    release(staging, root / "output", [DATABASE], {"run": run})
    shutil.rmtree(staging)
    return root / "output" / DATABASE


def _result(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return list(con.execute(QUERY).fetchone())


def test_readers_see_no_errors_and_a_consistent_result_during_refreshes(warehouses, tmp_path):
    old, new = warehouses
    published = refresh(old, tmp_path, 0)
    before = _result(published)
    stop = tmp_path / "stop"
    holder = Reader(published, "hold", stop)
    reconnector = Reader(published, "reconnect", stop)
    try:
        holder.wait_for(lambda x: "ready" in x)
        reconnector.wait_for(lambda x: "ready" in x)
        sizes = []
        for run in range(1, 6):
            sizes.append(refresh(new, tmp_path, run).stat().st_size)
        after = _result(published)
        assert after != before, "the refresh changed the data (WagwEU rows removed)"
        reconnector.wait_for(lambda x: x.get("changed") == after)
    finally:
        stop.touch()
    held, fresh = holder.summary(), reconnector.summary()

    assert held["error_count"] == 0 and fresh["error_count"] == 0, (held["errors"], fresh["errors"])
    assert held["sequence"] == [before], "a connection held across refreshes keeps the file it opened"
    assert fresh["sequence"] == [before, after], "new connections see the old file, then the new one, nothing else"
    assert held["reads"] > 1 and fresh["reads"] > 1
    assert len(set(sizes)) == 1, f"the published file does not grow across refreshes: {sizes}"
    output = tmp_path / "output"
    assert sorted(p.name for p in output.iterdir()) == sorted([DATABASE, "build.json", "current", "releases"]), \
        "no leftovers in output/"
    assert len(list((output / "releases").iterdir())) == 2, "the current release and the one before it are kept"
    assert not stat.S_IMODE(published.stat().st_mode) & 0o222, "the published file is read-only on disk"


def test_a_refresh_removes_what_an_interrupted_one_left(warehouses, tmp_path):
    old, _new = warehouses
    output = tmp_path / "output"
    output.mkdir()
    (output / ".monitor.duckdb.partial").write_bytes(b"half a database")
    (output / ".validation.old").mkdir()
    (output / ".validation.old" / "index.html").write_text("old")
    (output / "releases").mkdir()
    (output / "releases" / ".20260101T000000Z-0000abcd.partial").mkdir()  # a release killed while copying
    published = refresh(old, tmp_path, 1)
    assert sorted(p.name for p in output.iterdir()) == sorted([DATABASE, "build.json", "current", "releases"])
    assert [p.name for p in (output / "releases").iterdir()] == [os.readlink(output / "current").split("/")[-1]]
    assert _result(published)[0] > 0


def test_a_failed_export_leaves_the_published_file_untouched(warehouses, tmp_path, monkeypatch):
    old, _new = warehouses
    published = refresh(old, tmp_path, 1)
    digest = published.read_bytes()
    import pipelines.publication.assets as assets

    monkeypatch.setattr(assets, "comment_statements", lambda tables, views: ['COMMENT ON TABLE "mart__figures" IS \'x\''])
    with pytest.raises(Exception, match="without a description"):
        refresh(old, tmp_path, 2)
    assert published.read_bytes() == digest
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == sorted([DATABASE, "build.json", "current",
                                                                              "releases"])
    assert not [p for p in (tmp_path / "work").rglob("*.partial*")], "the export removes its partial file"
    assert os.access(published, os.R_OK)
