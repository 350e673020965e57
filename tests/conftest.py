"""Shared fixtures: isolated output/work/snapshot directories and one real build reused by many tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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



def offline_dom(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after its scripts ran in headless Chromium with the network closed (a proxy on a dead
    port, background networking off); skips the calling test when Chromium is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Chromium is not installed (apt-get install chromium); the structural checks still ran")
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--proxy-server=http://127.0.0.1:9", "--virtual-time-budget=5000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120).stdout
