"""Cross-cutting run policy in one place: retries, pools (concurrency), freshness, asset groups.

Assets import these constants instead of choosing their own, so changing how the monitor retries a flaky
source or how many steps may write the warehouse at once is a one-line change here.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

# Network sources (CBS OData): retried by the HTTP client itself with backoff (see sources/cbs); the step
# is retried once more on top, for failures that outlive the client's own retries (e.g. a 10-minute outage).
NETWORK_RETRY = dg.RetryPolicy(max_retries=1, delay=60, backoff=dg.Backoff.EXPONENTIAL)

# Every step that writes the DuckDB warehouse runs in this pool. DuckDB allows one writing process per
# file, so the pool limit must stay 1 for a file-based warehouse (set in dagster.yaml for deployments:
# `concurrency: pools: granularity: op, default_limit: 1`); the default in-process executor runs steps
# one at a time anyway. A shared warehouse server would lift this limit (docs/deployment.md).
WAREHOUSE_POOL = "duckdb_warehouse"

# How stale a layer may be before Dagster flags it. CBS publishes the labour-market tables quarterly and
# the monthly tables monthly; the administrative sources (UWV, WagwEU, Arbeidsinspectie) annually.
FRESHNESS = {
    "cbs": timedelta(days=100),
    "annual": timedelta(days=400),
}

# Asset groups shown in the Dagster UI, in data-flow order.
GROUP_SNAPSHOTS = "snapshots"
GROUP_STAGING = "staging"
GROUP_MARTS = "marts"
GROUP_PUBLICATION = "publication"


def raw_group(source_id: str) -> str:
    return f"raw_{source_id}"
