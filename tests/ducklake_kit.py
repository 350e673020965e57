"""Runs for the DuckLake tests, each in a process of its own (the environment selects the warehouse backend).

    python -m tests.ducklake_kit build [max_concurrent]    build_monitor with Dagster's multiprocess executor
    python -m tests.ducklake_kit refresh ASSET [ASSET...]  materialize those assets (in-process executor)
    python -m tests.ducklake_kit hold TABLE ROWS FLAG      replace TABLE with ROWS rows, touch FLAG mid-load, hang

Each prints one JSON line: success, run id, start and end time (epoch seconds).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import dagster as dg


def multiprocess_build_job():
    """build_monitor on the multiprocess executor (a module-level function: the executor reconstructs it)."""
    from pipelines.definitions import make_definitions

    return make_definitions(executor=dg.multiprocess_executor).resolve_job_def("build_monitor")


def _instance():
    from pipelines.operations.instance import instance

    return instance()


def build(max_concurrent: int) -> dict:
    start = time.time()
    with _instance() as instance:
        result = dg.execute_job(dg.reconstructable(multiprocess_build_job), instance=instance,
                                run_config={"execution": {"config": {"max_concurrent": max_concurrent}}})
        failures = [f"{e.step_key}: {e.event_specific_data.error.message[:2000]}" for e in result.all_events
                    if e.event_type_value == "STEP_FAILURE"]
        steps = sorted({e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"})
        return {"success": result.success, "run_id": result.run_id, "start": start, "end": time.time(),
                "failures": failures, "steps": len(steps)}


def refresh(assets: list[str]) -> dict:
    """Materialize ``assets`` (and their checks) in one run, as a refresh of one source does."""
    from pipelines.definitions import make_definitions

    job = dg.define_asset_job("refresh", selection=dg.AssetSelection.assets(*assets))
    defs = dg.Definitions.merge(make_definitions(), dg.Definitions(jobs=[job]))
    start = time.time()
    with _instance() as instance:
        result = defs.resolve_job_def("refresh").execute_in_process(instance=instance, raise_on_error=False)
        failures = [f"{e.step_key}: {e.event_specific_data.error.message[:2000]}" for e in result.all_events
                    if e.event_type_value == "STEP_FAILURE"]
        return {"success": result.success, "run_id": result.run_id, "start": start, "end": time.time(),
                "failures": failures}


def hold(table: str, rows: int, flag: str) -> None:
    """Replace ``table`` in the working warehouse with ``rows`` rows; after the first half is written (inside the
    transaction) touch ``flag`` and wait to be killed."""
    import polars as pl

    from pipelines.core import warehouse
    from pipelines.settings import paths

    def half_then_hang(con, name: str) -> int:
        con.execute(f'INSERT INTO "{name}" SELECT range AS i, \'killed\' AS s FROM range({rows // 2})')
        Path(flag).write_text("mid-load")
        time.sleep(3600)
        return rows // 2

    with warehouse.connect(paths().warehouse) as con:
        warehouse.replace_table(con, table, pl.DataFrame({"i": [-1], "s": ["first"]}), append=[half_then_hang])


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    if command == "build":
        outcome = build(int(args[0]) if args else 2)
    elif command == "refresh":
        outcome = refresh(args)
    elif command == "hold":
        hold(args[0], int(args[1]), args[2])
        return 0
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(outcome))
    return 0 if outcome["success"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
