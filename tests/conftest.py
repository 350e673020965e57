"""Shared fixtures: isolated output/work/snapshot directories and one real build reused by many tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "data" / "snapshots"
MONITOR = Path(sys.executable).with_name("monitor")


@dataclass
class BuildDirs:
    root: Path
    output: Path
    work: Path
    snapshots: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(MONITOR_OUTPUT_DIR=str(self.output), MONITOR_WORK_DIR=str(self.work),
                   MONITOR_SNAPSHOT_DIR=str(self.snapshots), MONITOR_PUBLICATION_ENGINE="offline")
        env.pop("DAGSTER_HOME", None)
        return env

    def monitor(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MONITOR), *args], env=self.env(), capture_output=True, text=True,
                              cwd=self.root, timeout=900)


def make_dirs(root: Path) -> BuildDirs:
    dirs = BuildDirs(root, root / "output", root / "work", root / "snapshots")
    shutil.copytree(SNAPSHOTS, dirs.snapshots)
    return dirs


def tree_digest(directory: Path) -> dict[str, str]:
    """sha256 of every file under ``directory`` (relative path -> digest)."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> BuildDirs:
    """One full `monitor build` from the shipped snapshots into a temporary directory."""
    dirs = make_dirs(tmp_path_factory.mktemp("build"))
    result = dirs.monitor("build")
    assert result.returncode == 0, f"monitor build failed:\n{result.stdout}\n{result.stderr}"
    return dirs



def in_ci() -> bool:
    """CI sets CI (CI=true): there, a tool a test needs must be present."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_tool(*names: str, install: str) -> str:
    """The path of the first of ``names`` on PATH. When none is there the calling test skips with the reason on
    a developer's machine and fails under CI (.ci/run installs these tools when it runs as root)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    skip_or_fail(f"{names[0]} is not installed ({install})")


def skip_or_fail(reason: str) -> NoReturn:
    """The calling test skips with ``reason`` on a developer's machine and fails under CI, which must run it."""
    if in_ci():
        pytest.fail(f"{reason}: CI must run this test, not skip it", pytrace=False)
    pytest.skip(reason)


def throwaway_server(prefix: str, start: Callable[[Path], Any], missing: tuple[type[BaseException], ...],
                     reason: Callable[[BaseException], str]) -> Iterator[Any]:
    """The body of a session fixture for a throwaway server: ``start(root)`` in a fresh temporary folder, the server
    yielded, then stopped and the folder removed. When ``start`` raises one of ``missing`` (the server's software
    is not installed) the test skips with ``reason(exc)``, or fails under CI."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        server = start(root)
    except missing as exc:
        shutil.rmtree(root, ignore_errors=True)
        skip_or_fail(reason(exc))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def require_chromium() -> str:
    return require_tool("chromium", "chromium-browser", "google-chrome", install="Debian: apt-get install chromium")


def require_poppler(tool: str = "pdftotext") -> str:
    return require_tool(tool, install="Debian: apt-get install poppler-utils")


def offline_dom(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after its scripts ran in headless Chromium with the network closed (a proxy on a dead
    port, background networking off); without Chromium the calling test skips (fails under CI)."""
    from pipelines.publication.review.browser import dump_dom

    require_chromium()
    return dump_dom(page, profile)
