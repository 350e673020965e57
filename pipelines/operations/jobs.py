"""The live refresh: capture CBS tables afresh as new snapshots (the only step that needs the network)."""

import dagster as dg

from pipelines import policy
from pipelines.settings import paths


class CbsRefreshConfig(dg.Config):
    table_ids: list[str] = []  # empty: every table in pipelines/sources/cbs/tables.yaml
    base_url: str = ""  # empty: CBS (or MONITOR_CBS_BASE_URL)


@dg.op(retry_policy=dg.RetryPolicy(max_retries=policy.NETWORK_STEP_RETRIES, delay=policy.NETWORK_STEP_DELAY,
                                   backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS),
       tags={"kind": "cbs"})
def fetch_cbs_tables(context: dg.OpExecutionContext, config: CbsRefreshConfig) -> dg.Output[list[str]]:
    """Capture the tables (`monitor fetch cbs`): atomic, resumable, skipped when the version is already held."""
    from pipelines.sources.cbs.fetch import fetch_tables

    p = paths()
    results, failures = fetch_tables(
        config.table_ids or None, store_root=p.snapshot_dir, work_dir=p.work_dir, base_url=config.base_url or None,
        on_retry=lambda url, attempt, why: context.log.warning(f"retrying {url}: {why}"))
    for r in results:
        context.log.info(f"{r.table_id}: " + (r.message if r.skipped else f"captured {r.rows} rows (Modified {r.modified})"))
    if failures:
        raise dg.Failure("CBS refresh failed for " + ", ".join(t for t, _ in failures),
                         metadata={t: dg.MetadataValue.text(str(exc)) for t, exc in failures})
    captured = [r.table_id for r in results if not r.skipped]
    return dg.Output(captured, metadata={"captured": dg.MetadataValue.json(captured),
                                         "up_to_date": dg.MetadataValue.json([r.table_id for r in results if r.skipped])})


@dg.job(description="Capture CBS tables afresh as new snapshots (needs the network). A successful refresh starts "
                    "`build_monitor` (sensor `build_after_cbs_refresh`), which builds, checks and publishes.",
        tags={"monitor/live": "true"})
def refresh_cbs_live():
    fetch_cbs_tables()
