"""Freshness in the Dagster UI: a non-blocking ``freshness`` check on each source's raw observation table.

The verdict is the one `monitor status` gives (pipelines/operations/freshness.py, the lags in
pipelines/policy.py ``SOURCE_FRESHNESS``): judged from the data — the end of the newest period the source holds —
not from when the asset last ran. It reads the source's staging table (statuses there are in the monitor's
vocabulary, so projections can be left out), so it runs after staging. A stale source warns (the check fails with
severity WARN and says when the next period was due); it never stops the build, because a late producer is not
an error in the monitor.
"""

import dagster as dg

from pipelines.operations.freshness import NEVER, STALE, UNKNOWN, sources_freshness
from pipelines.resources import WarehouseResource

CHECK_NAME = "freshness"


def _freshness_check(source: str) -> dg.AssetChecksDefinition:
    raw, staging = f"raw_{source}__observations", f"stg_{source}__observations"

    @dg.asset_check(asset=raw, name=CHECK_NAME, blocking=False, additional_deps=[staging],
                    description=f"Is {source} fresh? The end of the newest period in {staging} plus the lag after "
                    "which the next period is due (SOURCE_FRESHNESS in pipelines/policy.py), against today. "
                    "Warns when stale; never blocks.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            found = [f for f in sources_freshness(con, table=staging) if f.source_id == source]
        if not found:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       description=f"{staging} holds no dated figures of {source}",
                                       metadata={"state": UNKNOWN})
        f = found[0]
        return dg.AssetCheckResult(
            passed=f.state not in (STALE, UNKNOWN), severity=dg.AssetCheckSeverity.WARN,
            description=f"{source}: {f.state} — {f.detail}",
            metadata={"state": f.state, "detail": f.detail,
                      "newest_period_end": str(f.newest_period_end) if f.newest_period_end else "",
                      "next_due": str(f.next_due) if f.next_due else "",
                      "expected": f.frequency or NEVER})

    return _check


def freshness_checks(sources: list[str]) -> list[dg.AssetChecksDefinition]:
    """One ``freshness`` check per observation source (``raw_<source>__observations``)."""
    return [_freshness_check(s) for s in sources]
