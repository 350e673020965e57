"""The persistent Dagster instance of a checkout: ``$MONITOR_WORK_DIR/dagster_home`` with the shipped dagster.yaml.

``DAGSTER_HOME`` set by the operator wins; otherwise `monitor` commands create the folder (the shipped
``dagster.yaml`` is written into it, and kept in step with the shipped one) and record their runs there, so that
`dagster dev` started with ``DAGSTER_HOME=$PWD/.monitor/dagster_home`` shows them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.core.files import write_text_atomic

SHIPPED_CONFIG = Path(__file__).with_name("dagster.yaml")


def dagster_home(work_dir: Path) -> Path:
    """Create (or bring up to date) the instance folder under ``work_dir``; returns it."""
    home = Path(work_dir) / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    from pipelines.core.warehouse_backends import dagster_config

    shipped = dagster_config(SHIPPED_CONFIG.read_text(encoding="utf-8"))  # the pool limit follows the warehouse backend
    if not config.exists() or config.read_text(encoding="utf-8") != shipped:
        write_text_atomic(config, shipped)
    return home


def instance():
    """The instance `monitor` commands run in: ``$DAGSTER_HOME`` if set, else the checkout's own."""
    import dagster as dg

    from pipelines.settings import paths

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.from_config(str(dagster_home(paths().work_dir)))
