"""Where things live. Every path the pipeline touches is derived here, from environment variables
with defaults inside the repository, so tests and deployments can move them without code changes.

- ``MONITOR_OUTPUT_DIR``   published outputs (monitor.duckdb, monitor.html, monitor.pdf). Default ``output/``.
- ``MONITOR_WORK_DIR``     the working warehouse and build staging. Default ``.monitor/``.
- ``MONITOR_SNAPSHOT_DIR`` shipped snapshots with origin sidecars. Default ``data/snapshots/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = REPO_ROOT / "sql"
CONTRACTS_DIR = REPO_ROOT / "data_contracts"
REPORTS_DIR = REPO_ROOT / "reports"


PROJECT_NAME = "monitor-arbeidsmigratie"


class ForeignCheckout(RuntimeError):
    """The command runs the code of one checkout while the working directory is inside another."""


def checkout_of(directory: Path) -> Path | None:
    """The monitor checkout that ``directory`` lies in (the nearest parent with this project's pyproject.toml)."""
    for candidate in [directory, *directory.parents]:
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and (candidate / "pipelines" / "settings.py").is_file():
            try:
                if f'name = "{PROJECT_NAME}"' in pyproject.read_text(encoding="utf-8"):
                    return candidate
            except OSError:
                return None
    return None


def check_own_checkout(cwd: Path | None = None) -> None:
    """Refuse to work when the working directory is inside another monitor checkout than the code that runs.

    A copied or moved checkout whose environment still points at the original (an editable install and script
    shebangs are bound to the path they were made in) would otherwise verify the original's snapshots and
    publish into the original's output/."""
    here = checkout_of((cwd or Path.cwd()).resolve())
    if here is not None and here != REPO_ROOT:
        raise ForeignCheckout(
            f"This command runs the code of the checkout {REPO_ROOT}, but you are in the checkout {here}. "
            f"It would read and write {REPO_ROOT}'s files, not yours. Run `python3 bootstrap.py setup` in {here} "
            f"(it recreates {here / '.venv'} for that checkout) and use {here / '.venv' / 'bin' / 'monitor'}.")


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Paths:
    output_dir: Path
    work_dir: Path
    snapshot_dir: Path

    @property
    def warehouse(self) -> Path:
        """The working DuckDB file that Dagster assets write; never opened by analysts."""
        return self.work_dir / "warehouse.duckdb"


def paths() -> Paths:
    """Resolve the current paths (read at call time, so tests can set the environment)."""
    return Paths(
        output_dir=_env_path("MONITOR_OUTPUT_DIR", REPO_ROOT / "output"),
        work_dir=_env_path("MONITOR_WORK_DIR", REPO_ROOT / ".monitor"),
        snapshot_dir=_env_path("MONITOR_SNAPSHOT_DIR", REPO_ROOT / "data" / "snapshots"),
    )
