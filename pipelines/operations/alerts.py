"""When a run fails: a one-screen summary of what failed and where to look, written to a file and, when
``MONITOR_ALERT_WEBHOOK`` is set, POSTed there as JSON.

Used by the run-failure sensor (runs started by Dagster: the UI, schedules, sensors) and by the `monitor`
commands (runs they start in-process), so an operator finds the same summary either way:
``$MONITOR_WORK_DIR/alerts/last_failure.txt`` (and ``<run id>.json`` beside it).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from pipelines.core.files import write_text_atomic
from pipelines import policy
from pipelines.settings import paths

WEBHOOK_ENV = "MONITOR_ALERT_WEBHOOK"
MAX_MESSAGE = 1200  # characters of each failure message kept in the summary


def failure_summary(instance, run_id: str) -> dict:
    """What failed in ``run_id``: failed steps with their messages and failed blocking checks with their rules."""
    import dagster as dg

    from pipelines.cli.runner import error_message

    run = instance.get_run_by_id(run_id)
    failures = []
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_FAILURE,
                                                    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
                                                    dg.DagsterEventType.RUN_FAILURE}):
        event = entry.dagster_event
        data = event.event_specific_data
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            if not data.passed and data.severity == dg.AssetCheckSeverity.ERROR:
                failures.append({"kind": "blocking check", "where": f"{data.asset_key.to_user_string()} "
                                 f"({data.check_name})", "message": (data.description or "")[:MAX_MESSAGE]})
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE and data.error is not None:
            failures.append({"kind": "step failed", "where": event.step_key or "",
                             "message": error_message(data.error)[:MAX_MESSAGE]})
    if not failures:
        failures.append({"kind": "run failed", "where": run.job_name if run else "?",
                         "message": "no step failed: the run itself could not start or was stopped (see its log)"})
    p = paths()
    return {
        "monitor": "Monitor Arbeidsmigratie",
        "host": socket.gethostname(),
        "job": run.job_name if run else None,
        "run_id": run_id,
        "status": run.status.value if run else None,
        "reported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "failures": failures,
        "where_to_look": [f"`monitor validate` names the file, row and rule (work directory {p.work_dir})",
                          f"the run's log: DAGSTER_HOME={p.work_dir / 'dagster_home'} dagster dev -> Runs -> {run_id[:8]}",
                          f"nothing was published: {p.output_dir} holds the previous release"],
    }


def summary_text(summary: dict) -> str:
    lines = [f"{summary['job']} FAILED (run {summary['run_id']}, {summary['reported_at']}, {summary['host']})", ""]
    for f in summary["failures"]:
        lines.append(f"{f['kind']}: {f['where']}")
        lines += [f"    {line}" for line in f["message"].splitlines()[:12]]
    lines += ["", "Where to look:"] + [f"  - {w}" for w in summary["where_to_look"]]
    return "\n".join(lines) + "\n"


def report_failure(instance, run_id: str, log=None) -> Path:
    """Write the summary of failed run ``run_id`` (and POST it when the webhook is set); returns the text file."""
    summary = failure_summary(instance, run_id)
    folder = paths().work_dir / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run_id}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    text_file = write_text_atomic(folder / "last_failure.txt", summary_text(summary))
    url = os.environ.get(WEBHOOK_ENV)
    if url:
        post_alert(url, summary, log)
    return text_file


def post_alert(url: str, summary: dict, log=None) -> bool:
    """POST ``summary`` as JSON; a webhook that does not answer is reported, never fatal."""
    import httpx

    try:
        response = httpx.post(url, json=summary, timeout=policy.ALERT_TIMEOUT)
        response.raise_for_status()
        return True
    except httpx.HTTPError as exc:
        if log is not None:
            log.warning(f"could not post the failure summary to {WEBHOOK_ENV} ({url}): {exc}")
        return False
