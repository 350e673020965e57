"""Atomic release of a built publication into the output directory, and frozen editions.

The publication (monitor.duckdb, monitor.html, monitor.pdf, validation report) is assembled in a staging
directory. ``release`` copies each file into ``output/`` under a temporary name in the same directory, syncs
it to disk and renames it over the old one: readers see the old file or the new one, never a half-written
one. A reader that has the old ``monitor.duckdb`` open keeps reading the old file (POSIX rename keeps the old
inode alive until it is closed); the next connection opens the new one. Each release writes whole new files,
so nothing grows across refreshes. Released files are read-only on disk: they are replaced, never edited,
and a DuckDB read-write connection to the published file (which would lock out every reader) fails early. A build that fails before release leaves ``output/`` untouched, and
leftovers of an interrupted release (``.<name>.partial``, ``.<name>.old``) are removed by the next one.
A manifest (``build.json``) is written last.

``release_edition`` freezes a publication as ``output/editions/<edition>/``: written under a temporary
name, made read-only and renamed into place once. An edition that exists is never written again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

from pipelines.core.errors import Problem, PublishError
from pipelines.core.warehouse import fsync_directory

MANIFEST = "build.json"
EDITION = re.compile(r"^\d{4}(-r[1-9]\d*)?$")  # 2025, or 2025-r1 for a corrected re-issue
_READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_READ_ONLY_DIR = _READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for sub in [path, *path.rglob("*")]:
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)  # a leftover edition may already be read-only
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def clean_leftovers(directory: Path) -> list[Path]:
    """Remove what an interrupted release left in ``directory`` (``.<name>.partial``, ``.<name>.old``)."""
    removed = []
    for path in sorted(directory.glob(".*")):
        if path.name.endswith((".partial", ".old")):
            _remove(path)
            removed.append(path)
    return removed


def _copy_synced(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)
    with open(dest, "rb") as fh:
        os.fsync(fh.fileno())


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _atomic_place(src: Path, dest: Path) -> None:
    partial = dest.with_name(f".{dest.name}.partial")
    _remove(partial)
    if src.is_dir():
        shutil.copytree(src, partial, copy_function=_copy_synced)
        old = dest.with_name(f".{dest.name}.old")
        _remove(old)
        if dest.exists():
            dest.rename(old)
        partial.rename(dest)
        _remove(old)
    else:
        _copy_synced(src, partial)
        partial.chmod(_READ_ONLY_FILE)  # a product, never changed in place: read-write opens fail early
        partial.replace(dest)  # same directory: an atomic rename
    fsync_directory(dest.parent)


def _check_staged(staging: Path, files: list[str]) -> None:
    missing = [f for f in files if not (staging / f).exists()]
    if missing:
        raise PublishError(
            "The publication is incomplete; nothing was released",
            [Problem("expected in the staging directory", file=str(staging / f)) for f in missing],
        )


def _manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def release(staging: Path, output: Path, files: list[str], manifest: dict) -> list[Path]:
    """Move ``files`` (names relative to ``staging``) into ``output``; write ``build.json`` last."""
    _check_staged(staging, files)
    output.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    placed = []
    for name in files:
        dest = output / name
        _atomic_place(staging / name, dest)
        placed.append(dest)
    manifest_path = output / MANIFEST
    tmp = manifest_path.with_name(f".{MANIFEST}.partial")
    _write_synced(tmp, _manifest_text(manifest))
    tmp.replace(manifest_path)
    fsync_directory(output)
    return placed


def check_edition(editions: Path, edition: str) -> Path:
    """The directory edition ``edition`` will be released to; raises if the name is invalid or it exists."""
    if not EDITION.match(edition or ""):
        raise PublishError(f"Not an edition name: {edition!r}",
                           [Problem("must be a year (2025), or a year with -r1, -r2 ... for a corrected re-issue",
                                    field="edition", value=edition)])
    target = editions / edition
    if target.exists():
        raise PublishError(
            f"Edition {edition} is already published; editions are never overwritten",
            [Problem("exists", file=str(target))],
            hint=f"publish a corrected re-issue as {edition}-r1, or build without an edition to refresh "
            "output/monitor.duckdb only",
        )
    return target


def release_edition(staging: Path, editions: Path, edition: str, files: list[str], manifest: dict) -> Path:
    """Freeze ``files`` from ``staging`` (and ``build.json``) as ``editions/<edition>/``, read-only, once."""
    _check_staged(staging, files)
    target = check_edition(editions, edition)
    editions.mkdir(parents=True, exist_ok=True)
    clean_leftovers(editions)
    partial = editions / f".{edition}.partial"
    partial.mkdir()
    try:
        for name in files:
            src = staging / name
            if src.is_dir():
                shutil.copytree(src, partial / name, copy_function=_copy_synced)
            else:
                _copy_synced(src, partial / name)
        _write_synced(partial / MANIFEST, _manifest_text({**manifest, "edition": edition}))
        for path in sorted(partial.rglob("*"), reverse=True):
            path.chmod(_READ_ONLY_DIR if path.is_dir() else _READ_ONLY_FILE)
        fsync_directory(partial)
        check_edition(editions, edition)  # still free (one writer at a time, but say so if not)
        partial.chmod(_READ_ONLY_DIR)
        partial.rename(target)
    except BaseException:
        _remove(partial)
        raise
    fsync_directory(editions)
    return target


def list_editions(editions: Path) -> list[dict]:
    """Every published edition (oldest first) with its manifest."""
    found = []
    for path in sorted(editions.glob("*")) if editions.is_dir() else []:
        if path.is_dir() and EDITION.match(path.name):
            manifest_path = path / MANIFEST
            manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
            found.append({"edition": path.name, "path": path, **manifest})
    return found
