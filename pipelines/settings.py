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
