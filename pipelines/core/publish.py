"""Atomic release of a built publication into the output directory, and frozen editions.

The publication (monitor.duckdb, monitor.html, monitor.pdf, the validation report, …) is assembled in a staging
directory. ``release`` publishes the whole set in one step:

1. every file is copied into a new release folder ``output/releases/<id>/`` (written as ``.<id>.partial``,
   synced, made read-only) with its ``build.json``, which lists every file with its sha256, then renamed into
   place;
2. ``output/current`` — a symbolic link to the release folder — is switched to the new release by one atomic
   rename: readers see the whole old set or the whole new one, never a mix;
3. the paths analysts open stay the same: ``output/monitor.duckdb``, ``output/monitor.html``, ``output/build.json``
   … are links to ``current/<name>``, created once.

A process killed at any point leaves ``output/`` as exactly the old release or exactly the new one (a leftover
``.partial`` folder is removed by the next release). A reader that has the old ``monitor.duckdb`` open keeps
reading the old file (the inode lives until it is closed); the next connection opens the new one. The release
before the current one is kept (so a reader that resolved a path just before the switch still finds it); older
ones are removed. Released files are read-only on disk: a DuckDB read-write connection to the published file
(which would lock out every reader) fails early. A build that fails before release leaves ``output/`` untouched.

``release_edition`` freezes a publication as ``output/editions/<edition>/``: written under a temporary
name, made read-only and renamed into place once. An edition that exists is never written again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from pipelines.core.errors import Problem, PublishError
from pipelines.core.snapshots import sha256_file
from pipelines.core.warehouse import fsync_directory

MANIFEST = "build.json"
BUILD_FACTS = "build-facts.json"  # an edition's facts of one build (run id, time): not part of what is reproduced
RELEASES = "releases"
CURRENT = "current"
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


def file_digests(root: Path, names: list[str]) -> dict[str, str]:
    """sha256 of every file under ``names`` (files, or folders walked), by path relative to ``root``."""
    out = {}
    for name in names:
        path = root / name
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file():
                out[f.relative_to(root).as_posix()] = sha256_file(f)
    return out


def _make_read_only(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        path.chmod(_READ_ONLY_DIR if path.is_dir() else _READ_ONLY_FILE)


def _symlink_atomic(link: Path, target: Path) -> None:
    """Make ``link`` a symbolic link to ``target`` in one rename (a file or folder there is replaced)."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp = link.with_name(f".{link.name}.link.partial")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    if link.is_dir() and not link.is_symlink():  # a folder of the old layout: move it aside first
        old = link.with_name(f".{link.name}.old")
        _remove(old)
        link.rename(old)
        tmp.replace(link)
        _remove(old)
    else:
        tmp.replace(link)


def current_release(output: Path) -> Path | None:
    link = output / CURRENT
    return (output / os.readlink(link)).resolve() if link.is_symlink() else None


def _check_staged(staging: Path, files: list[str], reuse: Path | None = None) -> None:
    missing = [f for f in files if not (staging / f).exists() and not (reuse and (reuse / f).exists())]
    if missing:
        raise PublishError(
            "The publication is incomplete; nothing was released",
            [Problem("expected in the staging directory", file=str(staging / f)) for f in missing],
        )


def _manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)  # a released file is read-only and never written again: sharing it is safe
    except OSError:
        _copy_synced(src, dest)


def release(staging: Path, output: Path, files: list[str], manifest: dict,
            on_step: Callable[[str], None] | None = None, reuse: Path | None = None) -> list[Path]:
    """Publish ``files`` (names relative to ``staging``) and ``build.json`` into ``output`` as one release.

    A name missing from ``staging`` is taken from the release ``reuse`` (an incremental build that did not
    rebuild it), hard-linked where the file system allows. ``on_step`` is told the name of each step before it
    starts (tests kill the process there)."""
    step = on_step or (lambda _name: None)
    _check_staged(staging, files, reuse)
    releases = output / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    clean_leftovers(releases)
    previous = current_release(output)
    release_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    partial = releases / f".{release_id}.partial"
    partial.mkdir()
    for name in files:
        step(f"copy {name}")
        src, copy = staging / name, _copy_synced
        if not src.exists():
            src, copy = reuse / name, _link_or_copy
        if src.is_dir():
            shutil.copytree(src, partial / name, copy_function=copy)
        else:
            copy(src, partial / name)
    step("manifest")
    _write_synced(partial / MANIFEST, _manifest_text({**manifest, "release": release_id,
                                                       "sha256": file_digests(partial, files)}))
    _make_read_only(partial)
    fsync_directory(partial)
    partial.chmod(_READ_ONLY_DIR)
    final = releases / release_id
    partial.rename(final)
    fsync_directory(releases)
    stable = [*files, MANIFEST]
    # The old one-file-at-a-time layout (regular files at the stable paths) is taken over once: switch, then turn
    # each file into a link (each one atomic). Otherwise links first: until the switch they point into the old
    # release (or at nothing, for a name it does not have), then the switch changes all of them at once.
    take_over = previous is None and any((output / n).exists() and not (output / n).is_symlink() for n in stable)
    if not take_over:
        step("links")
        for name in stable:
            _symlink_atomic(output / name, Path(CURRENT) / name)
    step("switch")
    _symlink_atomic(output / CURRENT, Path(RELEASES) / release_id)
    fsync_directory(output)
    if take_over:
        step("links")
        for name in stable:
            _symlink_atomic(output / name, Path(CURRENT) / name)
        fsync_directory(output)
    step("cleanup")
    kept = {final.name, previous.name if previous else ""}
    for old in sorted(releases.iterdir()):
        if old.name not in kept and not old.name.startswith("."):
            _remove(old)
    return [output / name for name in files]


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


def release_edition(staging: Path, editions: Path, edition: str, files: list[str], manifest: dict,
                    facts: dict | None = None) -> Path:
    """Freeze ``files`` from ``staging`` (and ``build.json``) as ``editions/<edition>/``, read-only, once.

    ``facts``: what is true of this build only (run id, time), written to ``build-facts.json`` beside
    ``build.json``, so that ``build.json`` is the same for every rebuild of the edition."""
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
        if facts is not None:
            _write_synced(partial / BUILD_FACTS, _manifest_text(facts))
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
            facts_path = path / BUILD_FACTS
            facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else {}
            found.append({"edition": path.name, "path": path, **facts, **manifest})
    return found
