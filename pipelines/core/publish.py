"""Atomic release of a built publication into the output directory.

The publication (monitor.duckdb, monitor.html, monitor.pdf, validation report) is assembled in a staging
directory. ``release`` moves each file into ``output/`` with an atomic rename: readers see the old file or
the new one, never a half-written one, and a build that fails before release leaves ``output/`` untouched.
A manifest (``build.json``) is written last.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pipelines.core.errors import Problem, PublishError


def _atomic_place(src: Path, dest: Path) -> None:
    partial = dest.with_name(f".{dest.name}.partial")
    if partial.exists():
        if partial.is_dir():
            shutil.rmtree(partial)
        else:
            partial.unlink()
    if src.is_dir():
        shutil.copytree(src, partial)
        old = dest.with_name(f".{dest.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if dest.exists():
            dest.rename(old)
        partial.rename(dest)
        if old.exists():
            shutil.rmtree(old)
        return
    shutil.copyfile(src, partial)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    partial.replace(dest)


def release(staging: Path, output: Path, files: list[str], manifest: dict) -> list[Path]:
    """Move ``files`` (names relative to ``staging``) into ``output``; write ``build.json`` last."""
    missing = [f for f in files if not (staging / f).exists()]
    if missing:
        raise PublishError(
            "The publication is incomplete; nothing was released",
            [Problem("expected in the staging directory", file=str(staging / f)) for f in missing],
        )
    output.mkdir(parents=True, exist_ok=True)
    placed = []
    for name in files:
        dest = output / name
        _atomic_place(staging / name, dest)
        placed.append(dest)
    manifest_path = output / "build.json"
    tmp = manifest_path.with_name(".build.json.partial")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
    return placed
