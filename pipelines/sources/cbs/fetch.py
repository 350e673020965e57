"""Fetch several CBS tables into new captures, in parallel (bounded), with one progress callback."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipelines import policy
from pipelines.core.errors import MonitorError, Problem
from pipelines.sources.cbs.odata.capture import CaptureResult, Progress, capture_table
from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.transport import RetryPolicy, Transport
from pipelines.sources.cbs.tables import check_table_ids, load_tables, table_spec


def fetch_tables(table_ids: Iterable[str] | None, *, store_root: Path, work_dir: Path, base_url: str | None = None,
                 force: bool = False, progress: Progress | None = None, retry: RetryPolicy | None = None,
                 on_retry=None) -> tuple[list[CaptureResult], list[tuple[str, MonitorError]]]:
    """Capture each table (default: the whole table set). Returns (results, failures); one failing table
    does not stop the others, and leaves no snapshot of its own behind."""
    ids = list(table_ids or load_tables())
    check_table_ids(ids)
    endpoints = Endpoints.resolve(base_url)
    results: list[CaptureResult] = []
    failures: list[tuple[str, MonitorError]] = []
    with Transport(retry, on_retry=on_retry) as transport:
        def one(table_id: str):
            try:
                return capture_table(table_spec(table_id), store_root=store_root, work_dir=work_dir,
                                     endpoints=endpoints, transport=transport, progress=progress, force=force)
            except MonitorError as exc:
                return exc
            except OSError as exc:  # disk full, permissions: name the table
                return MonitorError(f"{table_id}: could not write the capture", [Problem(str(exc), file=table_id)])

        # Tables in parallel; the transport bounds the requests in flight across all of them.
        with ThreadPoolExecutor(max_workers=max(1, min(len(ids), policy.CBS_MAX_CONCURRENCY))) as pool:
            for table_id, outcome in zip(ids, pool.map(one, ids)):
                if isinstance(outcome, MonitorError):
                    failures.append((table_id, outcome))
                else:
                    results.append(outcome)
    return results, failures
