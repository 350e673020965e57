"""A release is one step: killed at any point, output/ is exactly the old release or exactly the new one, and the
next release succeeds. The paths analysts open stay the same."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.core.publish import MANIFEST, file_digests, release
from pipelines.settings import REPO_ROOT

FILES = ["monitor.duckdb", "monitor.html", "validation"]
KILLER = """
import os, signal, sys
from pathlib import Path
from pipelines.core.publish import release
staging, output, kill_at = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
def on_step(name):
    print(name, flush=True)
    if name == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
release(staging, output, ["monitor.duckdb", "monitor.html", "validation"], {"content": staging.name}, on_step=on_step)
"""


def _staging(root: Path, content: str) -> Path:
    staging = root / content
    (staging / "validation").mkdir(parents=True)
    (staging / "monitor.duckdb").write_bytes(f"database {content}".encode() * 100)
    (staging / "monitor.html").write_text(f"<p>{content}</p>")
    (staging / "validation" / "index.html").write_text(f"docs {content}")
    return staging


def _published(output: Path) -> dict[str, str]:
    """What a reader of the stable paths sees: the manifest's content and the digests of the files."""
    manifest = json.loads((output / MANIFEST).read_text())
    seen = file_digests(output, FILES)
    assert seen == manifest["sha256"], "the files at the stable paths are the ones the manifest lists"
    return {"content": manifest["content"], **seen}


def _release_in_child(staging: Path, output: Path, kill_at: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", KILLER, str(staging), str(output), kill_at], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    expected = 0 if kill_at == "never" else -signal.SIGKILL
    assert proc.returncode == expected, proc.stderr
    return proc.stdout.split("\n")[:-1]


def test_stable_paths_and_manifest_with_every_file(tmp_path):
    output = tmp_path / "output"
    release(_staging(tmp_path, "A"), output, FILES, {"content": "A"})
    for name in [*FILES, MANIFEST]:
        assert (output / name).is_symlink() and os.readlink(output / name) == f"current/{name}"
    manifest = json.loads((output / MANIFEST).read_text())
    assert set(manifest["sha256"]) == {"monitor.duckdb", "monitor.html", "validation/index.html"}
    assert (output / "validation" / "index.html").read_text() == "docs A"


def test_old_layout_is_taken_over(tmp_path):
    output = tmp_path / "output"
    (output / "validation").mkdir(parents=True)
    (output / "monitor.duckdb").write_text("old layout")
    (output / "validation" / "index.html").write_text("old docs")
    release(_staging(tmp_path, "B"), output, FILES, {"content": "B"})
    assert _published(output)["content"] == "B"
    assert sorted(p.name for p in output.iterdir()) == sorted([*FILES, MANIFEST, "current", "releases"])


@pytest.mark.parametrize("first", [True, False], ids=["first-release", "next-release"])
def test_killed_at_every_step_leaves_the_old_or_the_new_release(tmp_path, first):
    a, b = _staging(tmp_path, "A"), _staging(tmp_path, "B")
    probe = tmp_path / "probe"
    if not first:
        release(a, probe, FILES, {"content": "A"})
    steps = _release_in_child(b, probe, kill_at="never")  # the steps a release of B takes
    assert steps[-1] == "cleanup" and "switch" in steps
    new = _published(probe)
    for i, kill_at in enumerate(steps):
        output = tmp_path / f"out-{i}"
        old = None
        if not first:
            release(a, output, FILES, {"content": "A"})
            old = _published(output)
        _release_in_child(b, output, kill_at)
        if steps.index(kill_at) <= steps.index("switch"):
            if old is None:
                assert not (output / MANIFEST).exists(), f"killed at {kill_at!r}: nothing was published yet"
            else:
                assert _published(output) == old, f"killed at {kill_at!r}: the old release stands"
        else:
            assert _published(output) == new, f"killed at {kill_at!r}: the new release stands"
        release(b, output, FILES, {"content": "B"})  # and the next release succeeds
        assert _published(output) == new
        assert not [p for p in output.rglob(".*") if p.name.endswith(".partial")], "no leftovers"
