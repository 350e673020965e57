"""A copied or moved checkout uses its own files: the CLI refuses to run another checkout's code from inside
it, and bootstrap recreates an environment that belongs to another checkout."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from pipelines.settings import REPO_ROOT, ForeignCheckout, check_own_checkout, checkout_of


def _fake_checkout(root: Path) -> Path:
    (root / "pipelines").mkdir(parents=True)
    (root / "pipelines" / "settings.py").write_text("")
    (root / "pyproject.toml").write_text((REPO_ROOT / "pyproject.toml").read_text())
    return root


def _bootstrap_in(checkout: Path):
    """bootstrap.py as a module of ``checkout`` (its ROOT, VENV and BIN point there)."""
    (checkout / "bootstrap.py").write_text((REPO_ROOT / "bootstrap.py").read_text())
    spec = importlib.util.spec_from_file_location(f"bootstrap_{checkout.name}", checkout / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checkout_is_found_from_any_folder_inside_it(tmp_path):
    other = _fake_checkout(tmp_path / "copy")
    (other / "data" / "snapshots").mkdir(parents=True)
    assert checkout_of(other / "data" / "snapshots") == other
    assert checkout_of(REPO_ROOT / "sql") == REPO_ROOT
    assert checkout_of(tmp_path) is None


def test_running_another_checkouts_code_is_refused_naming_both(tmp_path):
    other = _fake_checkout(tmp_path / "copy")
    with pytest.raises(ForeignCheckout) as caught:
        check_own_checkout(other)
    assert str(REPO_ROOT) in str(caught.value) and str(other) in str(caught.value)
    check_own_checkout(REPO_ROOT / "docs")  # inside its own checkout: fine
    check_own_checkout(tmp_path)  # outside any checkout: fine (paths come from the settings)


def test_cli_refuses_in_a_copied_checkout(tmp_path):
    other = _fake_checkout(tmp_path / "copy")
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli.main", "snapshots", "verify"], cwd=other,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert f"runs the code of the checkout {REPO_ROOT}" in proc.stderr
    assert str(other) in proc.stderr
    assert "verified" not in proc.stderr


def test_bootstrap_sees_an_environment_copied_from_another_checkout(tmp_path):
    copy = _fake_checkout(tmp_path / "copy")
    boot = _bootstrap_in(copy)
    assert boot.venv_belongs_elsewhere() is None  # no environment yet
    venv.EnvBuilder(with_pip=False).create(copy / ".venv")
    assert boot.venv_belongs_elsewhere() is None  # its own, fresh
    # what `cp -a` of a built checkout leaves: scripts whose shebang runs the original's Python
    script = copy / ".venv" / "bin" / "monitor"
    script.write_text(f"#!{REPO_ROOT}/.venv/bin/python\nimport sys\n")
    reason = boot.venv_belongs_elsewhere()
    assert reason and str(REPO_ROOT) in reason
    script.unlink()
    # and an editable install that imports the original's code
    site = next((copy / ".venv" / "lib").glob("python*/site-packages"))
    (site / "_editable_other.pth").write_text(str(REPO_ROOT) + "\n")
    reason = boot.venv_belongs_elsewhere()
    assert reason and f"runs the code of {REPO_ROOT}" in reason
