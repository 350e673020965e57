"""Editions are reproducible byte for byte (pipelines/publication/reproducible.py): edition 2026 built twice, by
`monitor edition publish` in two separate MONITOR homes (output, work, Dagster instance and snapshot copies in
their own temporary directories; the two builds run side by side), gives the same bytes in every published file —
the Dutch and English HTML and PDF, every chart CSV and build.json — and the same database content (its canonical
dump: a DuckDB file's own bytes differ between two writes). `monitor edition verify` passes on a frozen edition
(its files against build.json, then a third build compared file by file) and fails, exit 1, naming the file, when
one byte of one frozen file is changed.

Only build-facts.json (run id, time, the database file's bytes) is a fact of one build and may differ."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.core.publish import BUILD_FACTS, MANIFEST
from pipelines.publication.reproducible import CONTENT_COMPARED, database_digest
from tests.conftest import MONITOR, BuildDirs, make_dirs

pytestmark = pytest.mark.slow

EDITION = "2026"  # the register's newest edition: it has a previous edition (2025) to list the changes from
RENDERED = ["monitor.html", "monitor.pdf", "monitor.en.html", "monitor.en.pdf"]


def published(edition: Path) -> dict[str, str]:
    """Every file of a frozen edition but build-facts.json: the sha256 of its bytes, for the database the sha256
    of its canonical content."""
    digests = {}
    for path in sorted(edition.rglob("*")):
        name = path.relative_to(edition).as_posix()
        if not path.is_file() or name == BUILD_FACTS:
            continue
        digests[name] = ("content:" + database_digest(path) if name in CONTENT_COMPARED
                         else hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[BuildDirs, BuildDirs]:
    homes = [make_dirs(tmp_path_factory.mktemp(f"edition-{side}")) for side in ("a", "b")]
    runs = [subprocess.Popen([str(MONITOR), "edition", "publish", EDITION], env=home.env(), cwd=home.root,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for home in homes]
    logs = [run.communicate(timeout=1800)[0] for run in runs]
    for home, run, log in zip(homes, runs, logs):
        assert run.returncode == 0, f"monitor edition publish {EDITION} failed in {home.root}:\n{log[-4000:]}"
    return homes[0], homes[1]


def _edition(home: BuildDirs) -> Path:
    return home.output / "editions" / EDITION


def test_two_builds_in_separate_directories_publish_the_same_bytes(two_builds):
    a, b = (_edition(home) for home in two_builds)
    first, second = published(a), published(b)
    assert {MANIFEST, *RENDERED, *CONTENT_COMPARED} <= set(first), sorted(first)
    assert any(name.startswith("data/") and name.endswith(".csv") for name in first), "chart CSVs are published"
    differ = sorted(name for name in set(first) | set(second) if first.get(name) != second.get(name))
    assert differ == [], f"the two builds of edition {EDITION} differ in {differ}"
    manifest = json.loads((a / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["sha256"] == {name: digest for name, digest in first.items() if name != MANIFEST}, \
        "build.json lists every published file with the digest it has"
    facts = [json.loads((_edition(home) / BUILD_FACTS).read_text(encoding="utf-8")) for home in two_builds]
    assert facts[0]["run_id"] != facts[1]["run_id"], "two builds, not one build looked at twice"


def test_the_edition_is_labelled_with_its_own_edition(two_builds):
    from tests.test_publication_engine import pdf_text

    edition = _edition(two_builds[0])
    for name, label in (("monitor.pdf", f"Editie {EDITION}"), ("monitor.en.pdf", f"{EDITION} edition")):
        assert label in pdf_text((edition, {}), name, first=1, last=1), f"{name}: the title page says {label}"
    for name, label in (("monitor.html", f"Editie {EDITION}"), ("monitor.en.html", f"{EDITION} edition")):
        page = (edition / name).read_text(encoding="utf-8")
        assert label in page and "{edition}" not in page, name
    english = re.sub(r"\s+", " ", (edition / "monitor.en.html").read_text(encoding="utf-8"))
    assert f"Edition {EDITION} (cut-off 30 November 2026) compared with edition 2025 (cut-off 31 December 2025)" \
        in english, "the methods chapter lists the changes since the previous edition"


def test_verify_passes_on_the_frozen_edition_and_its_rebuild(two_builds):
    result = two_builds[0].monitor("edition", "verify", EDITION)
    said = re.sub(r"\s+", " ", result.stdout + result.stderr)  # the console writes to stderr
    assert result.returncode == 0, said
    assert f"Edition {EDITION} verifies" in said and "the rebuild reproduces every file" in said


def _one_byte_changed(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    path.chmod(0o444)


@pytest.mark.parametrize("name", ["monitor.pdf", "monitor.en.html", "data", "monitor.duckdb"])
def test_verify_fails_naming_the_file_when_one_byte_of_it_changed(two_builds, tmp_path, name):
    """On a copy of the frozen edition in a third MONITOR home (the frozen one stays as it is)."""
    home = make_dirs(tmp_path)
    copy = home.output / "editions" / EDITION
    shutil.copytree(_edition(two_builds[0]), copy)
    target = copy / name
    if name == "data":
        target = sorted(target.glob("*.csv"))[0]
    assert home.monitor("edition", "verify", EDITION, "--no-rebuild").returncode == 0, "the copy verifies as is"
    _one_byte_changed(target)
    result = home.monitor("edition", "verify", EDITION)
    assert result.returncode == 1, f"{result.stdout}\n{result.stderr}"
    said = result.stdout + result.stderr
    out = re.sub(r"\s+", "", said)  # the console wraps long paths
    assert f"Edition{EDITION}doesnotverify" in out and f"{target}:" in out, said
    others = [n for n in [*RENDERED, *CONTENT_COMPARED] if copy / n != target]
    assert not any(f"{copy / n}:" in out for n in others), f"only the changed file is named:\n{said}"
