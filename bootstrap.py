#!/usr/bin/env python3
"""Set up the project environment from the lock file and run a command in it.

    python3 bootstrap.py build    # set up, then build the monitor from the shipped snapshots
    python3 bootstrap.py test     # set up, then run the test suite
    python3 bootstrap.py setup    # set up only

Needs only Python 3.11+ with pip and venv. It installs uv (pinned) into .bootstrap/, then `uv sync --frozen`
creates .venv/ exactly as uv.lock says. If uv cannot be installed or run, it falls back to pip with
requirements.lock (the same pins, exported from uv.lock, with hashes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.8"
TOOLS = ROOT / ".bootstrap"
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def _uv() -> Path | None:
    uv = TOOLS / ("Scripts" if os.name == "nt" else "bin") / "uv"
    if uv.exists():
        return uv
    say(f"installing uv {UV_VERSION} into {TOOLS.relative_to(ROOT)}/ (once)")
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        pip = TOOLS / ("Scripts" if os.name == "nt" else "bin") / "pip"
        subprocess.run([str(pip), "install", "--quiet", f"uv=={UV_VERSION}"], check=True, cwd=ROOT)
    except (subprocess.CalledProcessError, OSError) as exc:
        say(f"could not install uv ({exc}); falling back to pip")
        shutil.rmtree(TOOLS, ignore_errors=True)
        return None
    return uv


def _sync_with_pip(groups: list[str]) -> None:
    say("creating .venv with pip from requirements.lock (slower than uv)")
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    py = str(BIN / "python")
    run([py, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", "requirements.lock"])
    for group in groups:
        lock = ROOT / f"requirements-{group}.lock"
        if lock.exists():
            run([py, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", str(lock)])
    run([py, "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."])


def venv_belongs_elsewhere() -> str | None:
    """Why .venv cannot be used for this checkout (it was copied or moved with it and still runs another
    checkout's code), or None. Checked by asking the environment's own Python where it and the code are."""
    python = BIN / "python"
    if not python.exists():
        return None
    probe = ("import sys, pathlib\n"
             "try:\n import pipelines; code = pathlib.Path(pipelines.__file__).resolve().parents[1]\n"
             "except Exception: code = None\n"
             "print(pathlib.Path(sys.prefix).resolve()); print(code)")
    try:
        out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=60, cwd="/").stdout.split("\n")
    except (OSError, subprocess.SubprocessError) as exc:
        return f"its Python does not run ({exc})"
    prefix, code = (out + ["", ""])[:2]
    scripts = [p for p in BIN.glob("*") if p.is_file() and not p.is_symlink()]
    for script in scripts:
        try:
            first = script.read_bytes()[:512].split(b"\n", 1)[0]
        except OSError:
            continue
        if first.startswith(b"#!") and b"python" in first and not first[2:].strip().startswith(str(VENV).encode()):
            return f"its scripts start {first[2:].decode(errors='replace').strip()}, another environment"
    if prefix and Path(prefix) != VENV.resolve():
        return f"it is the environment {prefix}"
    if code not in ("", "None") and Path(code) != ROOT:
        return f"it runs the code of {code}"
    return None


def setup(groups: list[str]) -> None:
    if sys.version_info < (3, 11):
        raise SystemExit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
    elsewhere = venv_belongs_elsewhere()
    if elsewhere:
        say(f"{VENV} belongs to another checkout ({elsewhere}); recreating it for {ROOT}")
        shutil.rmtree(VENV)
    uv = _uv()
    if uv is None:
        _sync_with_pip(groups)
        return
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV), UV_PYTHON=sys.executable, UV_PYTHON_DOWNLOADS="never")
    args = [str(uv), "sync", "--frozen", "--no-default-groups"] + [a for g in groups for a in ("--group", g)]
    say("syncing .venv with uv.lock")
    result = subprocess.run(args, cwd=ROOT, env=env)
    if result.returncode != 0:
        say("uv sync failed; falling back to pip")
        _sync_with_pip(groups)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    rest = argv[1:]
    if command == "setup":
        setup(["dev"])
        return 0
    if command == "build":
        setup([])
        say("building the monitor from the shipped snapshots")
        return subprocess.run([str(BIN / "monitor"), "build", *rest], cwd=ROOT).returncode
    if command == "test":
        setup(["dev"])
        say("running the test suite")
        return subprocess.run([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT).returncode
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
