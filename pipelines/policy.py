"""Cross-cutting run policy in one place: retries and timeouts of network sources, pools (concurrency), asset groups.

Assets import these constants instead of choosing their own, so changing how the monitor retries a flaky
source or how many steps may write the warehouse at once is a one-line change here.
"""

from __future__ import annotations

# Every step that writes the DuckDB warehouse runs in this pool. DuckDB allows one writing process per
# file, so the pool limit must stay 1 for a file-based warehouse (set in dagster.yaml for deployments:
# `concurrency: pools: granularity: op, default_limit: 1`); the default in-process executor runs steps
# one at a time anyway. A DuckLake warehouse with its catalog in PostgreSQL takes several writers at once: for it
# the limit is lifted (pipelines/core/warehouse_backends.py, docs/deployment.md).
WAREHOUSE_POOL = "duckdb_warehouse"

# Asset groups shown in the Dagster UI, in data-flow order.
GROUP_SNAPSHOTS = "snapshots"
GROUP_STAGING = "staging"
GROUP_MARTS = "marts"
GROUP_PUBLICATION = "publication"


def raw_group(source_id: str) -> str:
    return f"raw_{source_id}"

# CBS StatLine OData client (pipelines/sources/cbs/odata/). Timeouts in seconds. A request that times out,
# is reset, answers 429/5xx or returns a truncated JSON body is retried with exponential backoff and jitter
# (base * 2**(attempt-1), capped; a Retry-After header is honoured up to the cap) until CBS_MAX_ATTEMPTS.
CBS_CONNECT_TIMEOUT = 10.0
CBS_READ_TIMEOUT = 120.0
CBS_MAX_ATTEMPTS = 5
CBS_BACKOFF_BASE = 1.0
CBS_BACKOFF_MAX = 30.0
# At most this many requests to CBS in flight at once, across every table of one `monitor fetch` (metadata
# endpoints, tables, and the pages of a data set whose row count is known, asked for as $skip/$top ranges, are
# fetched in parallel; without a count the pages follow each other's nextLink, one at a time). StatLine answers a
# page in a few hundred milliseconds, so this is roughly the speed-up over one page at a time; kept low to be
# polite to a public service.
CBS_MAX_CONCURRENCY = 4
# A paged resource with more pages than this is refused (a server that keeps sending nextLinks).
CBS_MAX_PAGES = 20_000
# DuckDB settings for the one INSERT that loads a CBS capture into its raw table (pipelines/sources/cbs/reader.py),
# for that statement only, then set back (benchmarks/RESULTS.md). Memory (lowered, never raised): left to itself
# DuckDB buffers a large INSERT in well over a GB it does not need; beyond the limit it writes or spills sooner.
# Compression: FSST is never chosen for these columns (short, few distinct values per row group: dictionary
# wins), yet trying it cost ~8% of the load; the file is the same size without it.
CBS_LOAD_MEMORY_LIMIT = "300MB"

# DuckDB's memory limit for every connection to the working warehouse (pipelines/core/warehouse.py): loads, SQL
# models, contract checks, the edition warehouses and the export. Within it joins, sorts and aggregates spill to
# ``<warehouse>.tmp``, so a build's memory does not grow with its tables (benchmarks/RESULTS.md, B5: with a
# 3.1M-observation CBS table the build peaks at ~1 GB with this limit; the process's own Python, Dagster and GX take
# ~550 MB of that). MONITOR_DUCKDB_MEMORY overrides it (e.g. '2GB'), None is DuckDB's default (80% of RAM).
# Measured headroom: at 300 MB the stored copy of the mart__figures view (its join to the current-figure keys) ran
# out of memory with 3.1M observations; a step that does names this setting in its error (cli/runner.py).
WAREHOUSE_MEMORY_LIMIT: str | None = "400MB"
CBS_LOAD_SKIP_COMPRESSION = ("fsst", "dict_fsst")

# Dagster step retries of the network steps only (the live CBS refresh job, pipelines/operations/jobs.py): on top of
# the client's own request retries, a failed step is tried again this many times, after DELAY seconds growing
# exponentially with jitter. Steps that read snapshots or write the warehouse are never retried: they fail the
# same way again.
NETWORK_STEP_RETRIES = 2
NETWORK_STEP_DELAY = 60

# Freshness per source (pipelines/operations/freshness.py): how often the source publishes new periods, and how
# many days after the end of its newest period the next one is due. A source past that is stale: `monitor status`
# says so (and exits 1) and its raw table's `freshness` check warns in the UI. None: one-off studies and
# estimates, never expected again. CBS: quarterly tables, the quarter's figures appear within ~100 days; annual
# reports (UWV, Arbeidsinspectie, IND, the WagwEU letter to parliament): the next year within ~13 months.
SOURCE_FRESHNESS: dict[str, tuple[str, int] | None] = {
    "cbs": ("quarter", 100),
    "uwv": ("year", 395),
    "wagweu": ("year", 395),
    "arbeidsinspectie": ("year", 395),
    "ind": ("year", 395),
    "register": None,
}

# The failure webhook (MONITOR_ALERT_WEBHOOK, pipelines/operations/alerts.py): seconds to wait for it to answer.
ALERT_TIMEOUT = 10.0

# The offline publication engine (pipelines/publication/engine/render.py) renders this many editions (Quarto
# profiles: Dutch, English) at once, each in its own thread with its own Jupyter kernel; their pandoc, kernel and
# Typst work overlaps on the machine's cores. 1 renders them one after another (less memory: each kernel holds the
# report's data and libraries, ~370 MB each with the shipped data).
RENDER_PARALLEL_EDITIONS = 2
