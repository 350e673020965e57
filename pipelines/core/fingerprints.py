"""Fingerprints of a build's inputs, so that `monitor build` recomputes only what changed.

Every input file of the build gets a *label* and its content sha256:

- ``code:pipelines/…``   the Python code (``pipelines/cli/`` excluded: it runs builds, it does not make outputs)
- ``snapshot:<id>``      every file of the snapshot store (data files, sidecars, capture members)
- ``sql:…``              ``sql/`` (models and macros)
- ``contract:…``         ``data_contracts/`` (contracts and registers)
- ``report:…``           ``reports/`` (the Quarto project; rendered output excluded)
- ``env:…``              ``pyproject.toml``, ``uv.lock`` and the Python version

The digest of all of them (``inputs_digest``) answers "did anything change at all?" without importing Dagster.
Per asset, ``fingerprint`` combines the files its step reads (a list of label prefixes, see
pipelines/cli/plan.py) with the fingerprints of the assets it reads, so a change reaches exactly the assets
downstream of it.

The fingerprints of the last *successful* build are kept in ``$MONITOR_WORK_DIR/last_build.json`` (written
atomically after the run succeeded; a failed or interrupted build leaves the previous record, so the next build
redoes the work). Content hashes are cached by (size, mtime) in ``file_hashes.json`` beside it: a cache only,
any file whose size or mtime differs is hashed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipelines.core.files import write_text_atomic
from pipelines.core.snapshots import sha256_file
from pipelines.settings import CONTRACTS_DIR, REPO_ROOT, REPORTS_DIR, SQL_DIR, Paths

STATE_FILE = "last_build.json"
HASH_CACHE = "file_hashes.json"
FORMAT = 1  # bump when the meaning of a fingerprint changes: every record of an older format is ignored
_SKIP_DIRS = {"__pycache__", "_output", ".quarto", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".partial", ".tmp")


def _files(root: Path) -> Iterable[Path]:
    """Every file under ``root``, without dot-files, caches and rendered output."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
                             and not d.endswith("_files"))
        for name in sorted(filenames):
            if not name.startswith(".") and not name.endswith(_SKIP_SUFFIXES):
                yield Path(dirpath) / name


class FileHasher:
    """sha256 of files, cached by (size, mtime_ns) in ``cache_file`` (large captures are not re-read each build)."""

    def __init__(self, cache_file: Path | None) -> None:
        self.cache_file = cache_file
        self._old: dict[str, list] = {}
        self._new: dict[str, list] = {}
        if cache_file is not None and cache_file.is_file():
            try:
                self._old = json.loads(cache_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._old = {}

    def __call__(self, path: Path) -> str:
        st = path.stat()
        key = str(path)
        cached = self._old.get(key)
        if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
            digest = cached[2]
        else:
            digest = sha256_file(path)
        self._new[key] = [st.st_size, st.st_mtime_ns, digest]
        return digest

    def save(self) -> None:
        if self.cache_file is not None and self._new != self._old:
            _write_json(self.cache_file, self._new)


def input_files(p: Paths, hasher: FileHasher | None = None) -> dict[str, str]:
    """Label -> sha256 of every input of a build (see the module docstring)."""
    hasher = hasher or FileHasher(None)
    out: dict[str, str] = {}
    for path in _files(REPO_ROOT / "pipelines"):
        rel = path.relative_to(REPO_ROOT).as_posix()
        if not rel.startswith("pipelines/cli/"):
            out[f"code:{rel}"] = hasher(path)
    for label, root in (("sql", SQL_DIR), ("contract", CONTRACTS_DIR), ("report", REPORTS_DIR), ("snapshot", p.snapshot_dir)):
        for path in _files(root):
            out[f"{label}:{path.relative_to(root).as_posix()}"] = hasher(path)
    for name in ("pyproject.toml", "uv.lock"):
        if (REPO_ROOT / name).is_file():
            out[f"env:{name}"] = hasher(REPO_ROOT / name)
    out["env:python"] = hashlib.sha256(platform.python_version().encode()).hexdigest()
    return out


def digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def inputs_digest(files: Mapping[str, str], p: Paths) -> str:
    """One digest of every input file and of where the build reads and writes."""
    return digest([f"format {FORMAT}", str(p.snapshot_dir), str(p.output_dir),
                   *(f"{k}={v}" for k, v in sorted(files.items()))])


def files_under(files: Mapping[str, str], prefixes: Iterable[str]) -> list[str]:
    """The labels of ``files`` that start with one of ``prefixes``, sorted."""
    prefixes = tuple(prefixes)
    return sorted(k for k in files if k.startswith(prefixes))


def fingerprint(files: Mapping[str, str], reads: Iterable[str], code_version: str | None,
                parents: Iterable[str]) -> str:
    """An asset's fingerprint: the files it reads (label prefixes), its Dagster code version and the
    fingerprints of its upstream assets (``parents``: already fingerprints)."""
    own = [f"{k}={files[k]}" for k in files_under(files, reads)]
    return digest([f"code_version {code_version}", *own, "parents", *sorted(parents)])


def changed_files(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Labels added, removed or changed between two ``input_files`` results."""
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def state_path(p: Paths) -> Path:
    return p.work_dir / STATE_FILE


def hasher_for(p: Paths) -> FileHasher:
    return FileHasher(p.work_dir / HASH_CACHE)


def warehouse_stamp(p: Paths) -> list | None:
    """(size, mtime_ns) of the working warehouse, or a DuckLake's catalog and newest snapshot
    (pipelines/core/warehouse_backends.py): a write by any other command, or another backend, changes it."""
    from pipelines.core.warehouse_backends import stamp

    return stamp(p.warehouse)


def read_state(p: Paths) -> dict[str, Any] | None:
    """The record of the last successful build, or None (none yet, unreadable, or of an older format)."""
    try:
        state = json.loads(state_path(p).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def write_state(p: Paths, state: dict[str, Any]) -> None:
    """Record a successful build (atomically: a reader sees the old record or the new one)."""
    _write_json(state_path(p), {"format": FORMAT, **state})


def forget_state(p: Paths) -> None:
    """Drop the record: the next `monitor build` rebuilds everything."""
    state_path(p).unlink(missing_ok=True)


def _write_json(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True))


def stale_reason(state: dict[str, Any] | None, p: Paths, current_release: Path | None) -> str | None:
    """Why the last build's record cannot be trusted (everything must be rebuilt), or None when it can."""
    if state is None:
        return "no successful build recorded in " + str(state_path(p))
    if state.get("warehouse") != warehouse_stamp(p):
        return f"the working warehouse {p.warehouse} changed since build {state.get('run_id')} (another command wrote it)"
    if current_release is None or current_release.name != state.get("release"):
        return f"the release of build {state.get('run_id')} is no longer {p.output_dir / 'current'}"
    return None
