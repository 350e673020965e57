"""Where a run's validation results live: one GX validation result (JSON) per table and run.

``$MONITOR_WORK_DIR/validation/runs/<run_id>/<table>.json`` is written by each contract check; the Data Docs
of the run (``datadocs.py``) and the command-line summary are made from these files. Older runs are pruned.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pipelines.core.files import write_text_atomic
from pipelines.settings import paths

KEEP_RUNS = 5


def validation_root() -> Path:
    return paths().work_dir / "validation"


def run_dir(run_id: str) -> Path:
    return validation_root() / "runs" / run_id


def write_report(run_id: str, report) -> Path:
    """Write a ``TableReport`` of run ``run_id`` (atomically) and prune old runs."""
    target = write_text_atomic(run_dir(run_id) / f"{report.contract.table}.json",
                               json.dumps(report.to_gx_result(run_id), indent=1, ensure_ascii=False, default=str))
    _prune(keep=run_id)
    return target


def read_results(run_id: str) -> list[dict[str, Any]]:
    """Every table's GX validation result of run ``run_id``, by table name order."""
    folder = run_dir(run_id)
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def _prune(keep: str) -> None:
    runs = validation_root() / "runs"
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[KEEP_RUNS:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def table_of(result: dict[str, Any]) -> str:
    return result["meta"]["active_batch_definition"]["data_asset_name"]


__all__ = ["read_results", "run_dir", "table_of", "validation_root", "write_report"]
