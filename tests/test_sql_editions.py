"""Editions: a build can be frozen as output/editions/<edition>/, once, read-only, beside the refreshed output."""

from __future__ import annotations

import json
import shutil
import stat

import dagster as dg
import duckdb
import pytest

from pipelines.core.errors import PublishError
from pipelines.core.publish import check_edition, list_editions, release_edition
from tests.conftest import tree_digest

FILES = ["monitor.duckdb", "monitor.html"]


@pytest.fixture
def staged(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "monitor.duckdb").write_bytes(b"db bytes")
    (staging / "monitor.html").write_text("<html></html>")
    return staging


def _writable(path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o222)


def test_an_edition_is_frozen_read_only_with_its_manifest(staged, tmp_path):
    editions = tmp_path / "output" / "editions"
    target = release_edition(staged, editions, "2025", FILES, {"snapshots": {"a": "b"}})
    assert target == editions / "2025"
    assert (target / "monitor.duckdb").read_bytes() == b"db bytes"
    manifest = json.loads((target / "build.json").read_text())
    assert manifest["edition"] == "2025" and manifest["snapshots"] == {"a": "b"}
    assert not any(_writable(p) for p in [target, *target.iterdir()]), "files and directory are read-only"
    assert [e["edition"] for e in list_editions(editions)] == ["2025"]
    assert sorted(p.name for p in editions.iterdir()) == ["2025"], "no temporary directory left"


def test_an_edition_is_never_written_twice(staged, tmp_path):
    editions = tmp_path / "editions"
    release_edition(staged, editions, "2025", FILES, {})
    before = tree_digest(editions)
    (staged / "monitor.duckdb").write_bytes(b"other bytes")
    with pytest.raises(PublishError, match="already published") as err:
        release_edition(staged, editions, "2025", FILES, {})
    assert "2025-r1" in str(err.value), "the message says how to publish a correction"
    assert tree_digest(editions) == before
    release_edition(staged, editions, "2025-r1", FILES, {})
    assert [e["edition"] for e in list_editions(editions)] == ["2025", "2025-r1"]


@pytest.mark.parametrize("name", ["", "25", "2025/..", "latest", "2025-r0", "../2025"])
def test_edition_names_are_years(tmp_path, name):
    with pytest.raises(PublishError, match="Not an edition name"):
        check_edition(tmp_path, name)


def test_an_incomplete_publication_freezes_nothing(staged, tmp_path):
    editions = tmp_path / "editions"
    with pytest.raises(PublishError, match="incomplete"):
        release_edition(staged, editions, "2025", [*FILES, "monitor.pdf"], {})
    assert not editions.exists() or not any(editions.iterdir())


def test_leftovers_of_an_interrupted_edition_are_removed(staged, tmp_path):
    editions = tmp_path / "editions"
    leftover = editions / ".2025.partial"
    leftover.mkdir(parents=True)
    (leftover / "monitor.duckdb").write_bytes(b"half")
    (leftover / "monitor.duckdb").chmod(0o444)
    leftover.chmod(0o555)
    release_edition(staged, editions, "2025", FILES, {})
    assert sorted(p.name for p in editions.iterdir()) == ["2025"]


@pytest.mark.slow
def test_publishing_an_edition_through_dagster(built, tmp_path, monkeypatch):
    """The publication assets with `edition` set (what `monitor edition publish 2025` runs), on a copy of the
    session build: the edition is frozen, output/ is refreshed, and a second attempt fails before any work."""
    from pipelines.definitions import defs

    work, output = tmp_path / "work", tmp_path / "output"
    work.mkdir()
    shutil.copyfile(built.work / "warehouse.duckdb", work / "warehouse.duckdb")
    shutil.copytree(built.output, output)
    monkeypatch.setenv("MONITOR_PUBLICATION_ENGINE", "offline")
    job = defs.resolve_job_def("build_monitor")
    selection = [dg.AssetKey(k) for k in ("publication__database", "publication__report", "publication__release")]
    config = {"resources": {
        "warehouse": {"config": {"path": str(work / "warehouse.duckdb")}},
        "publication": {"config": {"output_dir": str(output), "work_dir": str(work), "edition": "2025"}},
    }}
    # the first publication runs everything: an edition is only released after every contract check of its run
    result = job.execute_in_process(run_config=config, raise_on_error=False, instance=dg.DagsterInstance.ephemeral())
    assert result.success

    edition = output / "editions" / "2025"
    assert sorted(p.name for p in edition.iterdir()) == ["build.json", "data", "monitor.duckdb", "monitor.en.html",
                                                               "monitor.en.pdf", "monitor.html", "monitor.pdf",
                                                               "validation"]
    assert (edition / "monitor.duckdb").read_bytes() == (output / "monitor.duckdb").read_bytes()
    manifest = json.loads((edition / "build.json").read_text())
    assert manifest["edition"] == "2025" and manifest["run_id"] == result.run_id and manifest["snapshots"]
    assert json.loads((output / "build.json").read_text())["edition"] == "2025"
    with duckdb.connect(str(edition / "monitor.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mart__figures_current").fetchone()[0] > 0

    before = tree_digest(output)
    again = job.execute_in_process(run_config=config, asset_selection=selection, raise_on_error=False,
                                   instance=dg.DagsterInstance.ephemeral())
    assert not again.success
    failed = [e.step_key for e in again.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed == ["publication__database"], "refused before exporting or rendering"
    assert tree_digest(output) == before
