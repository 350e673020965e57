"""Sensors: refresh a CBS table when CBS serves a new version of it; build after every successful refresh.

``cbs_table_changes`` asks CBS, for each table of pipelines/sources/cbs/tables.yaml, which version it serves
(``TableInfos``: ``Modified``, ``ReasonDelivery``; one small request per table) and compares it with the version
last seen: the cursor, or for a table the sensor has not seen yet, the newest capture in the snapshot store.
It requests a `refresh_cbs_live` run for exactly the tables whose ``Modified`` changed, one run per table, with
the run key ``cbs:<table>:<Modified>`` so that no tick ever requests the same refresh twice. A table CBS cannot
be asked about is skipped for this tick and named in the tick's message; it is asked again next time.
"""

from __future__ import annotations

import json

import dagster as dg

from pipelines.operations.jobs import refresh_cbs_live
from pipelines.settings import paths

SENSOR_INTERVAL = 6 * 3600  # CBS publishes on working days at 06:30; four looks a day are plenty


def changed_tables(known: dict[str, str], served: dict[str, str]) -> list[str]:
    """Tables whose served ``Modified`` differs from the one known (a table never captured counts as changed)."""
    return [t for t, modified in served.items() if known.get(t) != modified]


def _served_versions(table_ids: list[str], base_url: str | None) -> tuple[dict, dict[str, str]]:
    from pipelines.core.errors import MonitorError
    from pipelines.sources.cbs.odata.capture import served_version
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import table_spec

    endpoints = Endpoints.resolve(base_url)
    served, unreachable = {}, {}
    with Transport() as transport:
        for table_id in table_ids:
            try:
                served[table_id] = served_version(table_spec(table_id), endpoints=endpoints, transport=transport)
            except MonitorError as exc:
                unreachable[table_id] = str(exc).splitlines()[0]
    return served, unreachable


def evaluate_cbs_changes(cursor: str | None, base_url: str | None = None) -> tuple[list[dg.RunRequest], str, str]:
    """One tick: (run requests, new cursor, message). Separate from the sensor so it can be tested directly."""
    from pipelines.sources.cbs.odata.capture import captured_versions
    from pipelines.sources.cbs.tables import load_tables

    state = json.loads(cursor) if cursor else {}
    table_ids = list(load_tables())
    store = paths().snapshot_dir
    known = {t: state.get(t) or max(captured_versions(store, t), default=None) for t in table_ids}
    served, unreachable = _served_versions(table_ids, base_url)
    changed = changed_tables(known, {t: v.modified for t, v in served.items()})
    requests = [
        dg.RunRequest(
            run_key=f"cbs:{t}:{served[t].modified}",
            run_config={"ops": {"fetch_cbs_tables": {"config": {"table_ids": [t], "base_url": base_url or ""}}}},
            tags={"monitor/cbs_table": t, "monitor/cbs_modified": served[t].modified,
                  "monitor/cbs_reason_delivery": str(served[t].reason_delivery or "")},
        )
        for t in changed
    ]
    new_state = dict(state) | {t: v.modified for t, v in served.items()}
    message = (f"{len(changed)} of {len(table_ids)} table(s) changed" + (f": {', '.join(changed)}" if changed else "")
               + (f"; not reachable this tick: {'; '.join(f'{t} ({why})' for t, why in unreachable.items())}"
                  if unreachable else ""))
    return requests, json.dumps(new_state, sort_keys=True), message


@dg.sensor(job=refresh_cbs_live, minimum_interval_seconds=SENSOR_INTERVAL, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Asks CBS which version of each table in pipelines/sources/cbs/tables.yaml it serves "
                       "(TableInfos: Modified, ReasonDelivery) and requests a refresh for exactly the tables that "
                       "changed since the last capture. Needs the network: off by default.")
def cbs_table_changes(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    requests, cursor, message = evaluate_cbs_changes(context.cursor)
    context.log.info(message)
    return dg.SensorResult(run_requests=requests, cursor=cursor,
                           skip_reason=None if requests else dg.SkipReason(message))


def build_after_cbs_refresh_sensor(build_job) -> dg.RunStatusSensorDefinition:
    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[refresh_cbs_live],
                          request_job=build_job, default_status=dg.DefaultSensorStatus.STOPPED,
                          description="After a successful CBS refresh: build, check and publish the monitor.")
    def build_after_cbs_refresh(context: dg.RunStatusSensorContext):
        return dg.RunRequest(run_key=f"build-after:{context.dagster_run.run_id}",
                             tags={"monitor/after_refresh": context.dagster_run.run_id})

    return build_after_cbs_refresh


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING,
                       description="When a run fails: writes a one-screen summary of what failed and where to look "
                                   "to $MONITOR_WORK_DIR/alerts/last_failure.txt and POSTs it as JSON to "
                                   "MONITOR_ALERT_WEBHOOK when that is set.")
def report_failed_runs(context: dg.RunFailureSensorContext) -> None:
    from pipelines.operations.alerts import report_failure

    if context.dagster_run.tags.get("monitor/cli") == "true":
        return  # the `monitor` command that ran it reported it already
    path = report_failure(context.instance, context.dagster_run.run_id, context.log)
    context.log.info(f"failure summary written to {path}")
