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
EDITION = "2025"  # the first edition of data_contracts/registers/editions.yaml (2026 is built in test_reproducible_editions)


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
    """The edition's partition of `publish_edition` (what `monitor edition publish 2025` runs after the checks), on
    a copy of the session build: the edition is frozen with a sha256 per file, output/ is left as it was, and a
    second attempt fails before any work."""
    from pipelines.definitions import defs
    from pipelines.publication.reproducible import verify_frozen

    work, output = tmp_path / "work", tmp_path / "output"
    work.mkdir()
    shutil.copyfile(built.work / "warehouse.duckdb", work / "warehouse.duckdb")
    shutil.copytree(built.output, output, symlinks=True)
    monkeypatch.setenv("MONITOR_PUBLICATION_ENGINE", "offline")
    job = defs.resolve_job_def("publish_edition")
    config = {"resources": {
        "warehouse": {"config": {"path": str(work / "warehouse.duckdb")}},
        "publication": {"config": {"output_dir": str(output), "work_dir": str(work)}},
    }}
    before = tree_digest(output)
    result = job.execute_in_process(run_config=config, partition_key=EDITION, raise_on_error=False,
                                    instance=dg.DagsterInstance.ephemeral())
    assert result.success

    edition = output / "editions" / EDITION
    assert sorted(p.name for p in edition.iterdir()) == ["build-facts.json", "build.json", "data", "monitor.duckdb",
                                                         "monitor.en.html", "monitor.en.pdf", "monitor.html",
                                                         "monitor.pdf"]
    manifest = json.loads((edition / "build.json").read_text())
    assert manifest["edition"] == EDITION and manifest["cutoff"] and manifest["snapshots"]
    assert "run_id" not in manifest and "released_at" not in manifest, "build facts are kept out of build.json"
    assert json.loads((edition / "build-facts.json").read_text())["run_id"] == result.run_id
    assert {"monitor.pdf", "monitor.en.html"} <= set(manifest["sha256"]) and verify_frozen(edition) == []
    with duckdb.connect(str(edition / "monitor.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mart__figures_current").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM mart__figures_current WHERE vintage IS NULL OR vintage > ?",
                           [manifest["cutoff"]]).fetchone()[0] == 0, "only the figures published by its cut-off"
        assert con.execute("SELECT DISTINCT edition FROM mart__edition_figures").fetchall() == [(EDITION,)]
        assert con.execute("SELECT count(*) FROM mart__edition_changes").fetchone()[0] == 0, \
            "the first edition: no previous edition to compare with (a later edition is not in it)"
    english = (edition / "monitor.en.html").read_text(encoding="utf-8")
    assert "is the first edition" in english and f"{EDITION} edition" in english
    assert f"Editie {EDITION}" in (edition / "monitor.html").read_text(encoding="utf-8")
    assert {k: v for k, v in tree_digest(output).items() if not k.startswith("editions/")} == before, \
        "an edition leaves the refreshed output as it was"

    frozen = tree_digest(output)
    again = job.execute_in_process(run_config=config, partition_key=EDITION, raise_on_error=False,
                                   instance=dg.DagsterInstance.ephemeral())
    assert not again.success
    failed = [e.step_key for e in again.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed == ["publication__edition_database"], "refused before building or rendering"
    assert tree_digest(output) == frozen


# --- what changed between editions (sql/marts/mart__edition_changes.sql) --------------------------------------

def _edition_figures(con, rows):
    con.execute("""CREATE TABLE mart__edition_figures (edition VARCHAR, cutoff DATE, concept_id VARCHAR,
        indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, period_type VARCHAR, period_label VARCHAR,
        value DOUBLE, unit VARCHAR, vintage DATE, vintage_precision VARCHAR, snapshot_id VARCHAR, source_row INTEGER)""")
    con.executemany("INSERT INTO mart__edition_figures VALUES (?, ?, ?, ?, '', ?, 'year', ?, ?, 'x', ?, 'day', ?, 1)",
                    rows)


def _changes(con):
    from pipelines.transform.sql_models import discover

    sql = next(m.sql for m in discover() if m.name == "mart__edition_changes")
    return con.execute(f"SELECT edition, previous_edition, change, concept_id, period_code, previous_value, value, "
                       f"previous_vintage, vintage, in_newest_edition FROM ({sql}) ORDER BY ALL").fetchall()


def test_changes_between_two_editions_are_added_removed_revised_and_new_periods():
    con = duckdb.connect()
    d = "2025-11-30"
    n = "2026-11-30"
    _edition_figures(con, [
        ("2025", d, "a", "a", "2023JJ00", "2023", 10.0, "2024-05-01", "s1"),
        ("2025", d, "a", "a", "2024JJ00", "2024", 11.0, "2025-05-01", "s1"),   # revised in 2026
        ("2025", d, "b", "b", "2024JJ00", "2024", 5.0, "2025-05-01", "s1"),    # removed in 2026
        ("2025", d, "c", "c", "2023JJ00", "2023", 7.0, "2024-05-01", "s1"),    # same value, newer vintage: no change
        ("2026", n, "a", "a", "2023JJ00", "2023", 10.0, "2024-05-01", "s1"),
        ("2026", n, "a", "a", "2024JJ00", "2024", 12.0, "2026-05-01", "s2"),
        ("2026", n, "a", "a", "2025JJ00", "2025", 13.0, "2026-05-01", "s2"),   # a new period of a
        ("2026", n, "c", "c", "2023JJ00", "2023", 7.0, "2026-05-01", "s2"),
        ("2026", n, "c", "c", "2022JJ00", "2022", 6.0, "2026-05-01", "s2"),   # a new period of c too
        ("2026", n, "d", "d", "2024JJ00", "2024", 1.0, "2026-05-01", "s2"),   # a concept the 2025 edition lacked
    ])
    import datetime as dt
    day = dt.date.fromisoformat
    assert _changes(con) == [
        ("2026", "2025", "new_period", "a", "2025JJ00", None, 13.0, None, day("2026-05-01"), True),
        ("2026", "2025", "new_period", "c", "2022JJ00", None, 6.0, None, day("2026-05-01"), True),
        ("2026", "2025", "new_period", "d", "2024JJ00", None, 1.0, None, day("2026-05-01"), True),
        ("2026", "2025", "removed", "b", "2024JJ00", 5.0, None, day("2025-05-01"), None, True),
        ("2026", "2025", "revised", "a", "2024JJ00", 11.0, 12.0, day("2025-05-01"), day("2026-05-01"), True),
    ]


def test_a_figure_added_for_a_period_the_previous_edition_held_is_added_not_a_new_period():
    con = duckdb.connect()
    _edition_figures(con, [
        ("2025", "2025-11-30", "a", "a", "2024JJ00", "2024", 1.0, "2025-05-01", "s1"),
        ("2026", "2026-11-30", "a", "a", "2024JJ00", "2024", 1.0, "2025-05-01", "s1"),
    ])
    con.execute("INSERT INTO mart__edition_figures VALUES ('2026', '2026-11-30', 'a', 'a', 'Geslacht=M', '2024JJ00', "
                "'year', '2024', 0.5, 'x', '2026-01-01', 'day', 's2', 2)")
    assert [(r[2], r[3]) for r in _changes(con)] == [("added", "a")]


def test_one_edition_has_no_changes():
    con = duckdb.connect()
    _edition_figures(con, [("2026", "2026-11-30", "a", "a", "2024JJ00", "2024", 1.0, "2025-05-01", "s1")])
    assert _changes(con) == []
