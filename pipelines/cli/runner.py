"""Run a Dagster job in-process with live progress and a readable outcome.

Dagster's own console log is replaced by a logger that turns step events into progress updates; the
outcome collects every failed check and step error so the command can say what went wrong and where.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

ProgressCallback = Callable[[str, str], None]  # (event type, step key)
CLI_TAG = "monitor/cli"  # on every run a `monitor` command starts


class _ProgressHandler(logging.Handler):
    def __init__(self, callback: ProgressCallback) -> None:
        super().__init__()
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None:
            self.callback(event.event_type_value, event.step_key or "")


def progress_logger(callback: ProgressCallback | None) -> dg.LoggerDefinition:
    """A Dagster logger for one run that passes each step event to ``callback`` (nothing is kept between runs)."""

    @dg.logger(description="Reports step progress to the `monitor` command.")
    def _logger(_init_context) -> logging.Logger:
        log = logging.Logger("monitor.progress", level=logging.DEBUG)  # not registered: one per run
        log.propagate = False
        if callback is not None:
            log.addHandler(_ProgressHandler(callback))
        return log

    return _logger


@dataclass
class CheckOutcome:
    asset: str
    name: str
    passed: bool
    severity: str
    description: str


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    checks: list[CheckOutcome] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (step, message)
    materialized: list[str] = field(default_factory=list)
    alert: Any = None  # the failure summary file (pipelines/operations/alerts.py) when the run failed

    @property
    def blocking_failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed and c.severity != "ERROR"]


def error_message(error: Any) -> str:
    """The user-facing message of a Dagster error chain: our own errors (MonitorError and its kinds, which name
    the file, field and row and say what to do) first, else the innermost message."""
    from pipelines.core import errors

    ours = {name for name, obj in vars(errors).items() if isinstance(obj, type) and issubclass(obj, errors.MonitorError)}
    messages = []
    while error is not None:
        if getattr(error, "cls_name", None) in ours:
            return error.message.strip().split("\n\nStack Trace:")[0]
        messages.append(error.message.strip())
        error = error.cause
    user = [m for m in messages if not m.startswith("dagster._core.errors")]
    message = (user[-1] if user else messages[-1]).split("\n\nStack Trace:")[0]
    if "Out of Memory Error" in message:
        message = message.split("\n\nPossible solutions:")[0] + "\n" + out_of_memory_action()
    return message


def out_of_memory_action() -> str:
    """What to do when DuckDB ran out of the warehouse's memory limit (pipelines/policy.py)."""
    from pipelines.core.warehouse import memory_limit

    limit = memory_limit()
    return (f"What to do: DuckDB reached the warehouse's memory limit ({limit or 'DuckDB default'}; "
            "MONITOR_DUCKDB_MEMORY, default in pipelines/policy.py WAREHOUSE_MEMORY_LIMIT). Joins, sorts and aggregates "
            "spill to disk within it, but a step on a very large table can need more: build again with a higher "
            "limit, e.g. MONITOR_DUCKDB_MEMORY=2GB monitor build, and report the step and table size in an issue.")


def run_job(job_name: str, progress: ProgressCallback | None = None, resources: dict | None = None,
            selection: dg.AssetSelection | None = None, run_id: str | None = None,
            partition_key: str | None = None, ops: dict | None = None) -> RunOutcome:
    """Run ``job_name`` in-process; ``resources`` is run config for resources, e.g. ``{"publication": {"config": {...}}}``,
    ``ops`` run config for assets' config; ``partition_key`` for a partitioned job (an edition);
    ``selection``: run only that part of build_monitor (an incremental build, pipelines/cli/incremental.py)."""
    from pipelines.definitions import make_definitions
    from pipelines.operations.instance import instance

    defs = make_definitions(loggers={"progress": progress_logger(progress)}, build_selection=selection)
    job = defs.resolve_job_def(job_name)
    with instance() as dagster_instance:
        _end_abandoned_runs(dagster_instance)
        result = job.execute_in_process(instance=dagster_instance, raise_on_error=False, tags={CLI_TAG: "true"},
                                        partition_key=partition_key, run_id=run_id,
                                        run_config={"loggers": {"progress": {}}, "resources": resources or {},
                                                    **({"ops": ops} if ops else {})})
        outcome = _outcome(result)
        if not outcome.success:
            from pipelines.operations.alerts import report_failure

            outcome.alert = report_failure(dagster_instance, result.run_id)
        return outcome


def _end_abandoned_runs(instance) -> None:
    """Mark as failed the runs of earlier `monitor` commands that never finished (the process was killed).

    Only called while this process holds the build lock (pipelines/core/build_lock.py), so no other `monitor`
    command can be running one of them; without this the UI would show them as running for ever."""
    unfinished = instance.get_runs(filters=dg.RunsFilter(tags={CLI_TAG: "true"},
                                                         statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]))
    for run in unfinished:
        instance.report_run_failed(run, message="The `monitor` command running it ended before the run finished "
                                                "(killed or crashed); a later command marked it failed.")


def _outcome(result) -> RunOutcome:
    outcome = RunOutcome(success=result.success, run_id=result.run_id)
    for event in result.all_events:
        data = event.event_specific_data
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            outcome.checks.append(CheckOutcome(data.asset_key.to_user_string(), data.check_name, data.passed,
                                               data.severity.value, data.description or ""))
        elif event.event_type_value == "STEP_FAILURE" and data.error is not None:
            outcome.errors.append((event.step_key or "", error_message(data.error)))
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            outcome.materialized.append(event.asset_key.to_user_string())
    return outcome
