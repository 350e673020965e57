"""HTTP for the CBS client: httpx with timeouts, retries with backoff, and a bound on requests in flight.

Retried (up to ``policy.CBS_MAX_ATTEMPTS``): timeouts, connection errors and resets, HTTP 429 and 5xx,
and a 200 whose body is not complete JSON (a truncated transfer). Not retried: other 4xx (a wrong table id
does not get better by asking again). The error that ends the retries names the URL, the attempts and
what went wrong each time.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from pipelines import policy
from pipelines.core.errors import MonitorError, Problem
from pipelines.core.snapshots import sha256_bytes

RETRY_STATUS = {429, 500, 502, 503, 504}


class CbsFetchError(MonitorError):
    """Fetching from CBS failed (after retries where a retry could help)."""


@dataclass(frozen=True)
class Page:
    """One response: the exact bytes received, their parsed JSON and their sha256 (hashed once, here)."""

    url: str
    data: bytes
    body: Any
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_bytes(self.data))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = policy.CBS_MAX_ATTEMPTS
    backoff_base: float = policy.CBS_BACKOFF_BASE
    backoff_max: float = policy.CBS_BACKOFF_MAX
    connect_timeout: float = policy.CBS_CONNECT_TIMEOUT
    read_timeout: float = policy.CBS_READ_TIMEOUT
    max_concurrency: int = policy.CBS_MAX_CONCURRENCY

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.backoff_max)
        base = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
        return base + random.uniform(0, self.backoff_base)


class Transport:
    """GET JSON from CBS; thread-safe; at most ``max_concurrency`` requests in flight."""

    def __init__(self, retry: RetryPolicy | None = None, on_retry: Callable[[str, int, str], None] | None = None,
                 client: httpx.Client | None = None):
        self.retry = retry or RetryPolicy()
        timeout = httpx.Timeout(self.retry.read_timeout, connect=self.retry.connect_timeout)
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=True,
                                              headers={"Accept": "application/json",
                                                       "User-Agent": "monitor-arbeidsmigratie (CBS OData client)"})
        self._slots = threading.BoundedSemaphore(self.retry.max_concurrency)
        self._on_retry = on_retry
        self.requests = 0  # counted for tests and progress

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_json(self, url: str) -> Page:
        failures: list[str] = []
        for attempt in range(1, self.retry.max_attempts + 1):
            retry_after = None
            try:
                with self._slots:
                    self.requests += 1
                    response = self._client.get(url)
                    data = response.content
            except httpx.TimeoutException as exc:
                failures.append(f"attempt {attempt}: timed out ({type(exc).__name__})")
            except httpx.TransportError as exc:
                failures.append(f"attempt {attempt}: connection failed ({type(exc).__name__}: {exc})")
            else:
                if response.status_code == 200:
                    try:
                        return Page(str(response.url), data, parse_json(data))
                    except ValueError as exc:
                        failures.append(f"attempt {attempt}: response is not complete JSON ({exc}; {len(data)} bytes)")
                elif response.status_code in RETRY_STATUS:
                    failures.append(f"attempt {attempt}: HTTP {response.status_code}")
                    retry_after = _retry_after(response)
                else:
                    raise CbsFetchError(
                        f"CBS answered HTTP {response.status_code} for {url}",
                        [Problem(f"HTTP {response.status_code}: {response.text[:200]!r}", file=url)],
                        hint="check the table id (StatLine ids look like 80472NED) and the base URL "
                        "(MONITOR_CBS_BASE_URL / --base-url); a 404 is not retried",
                    )
            if attempt < self.retry.max_attempts:
                if self._on_retry:
                    self._on_retry(url, attempt, failures[-1])
                time.sleep(self.retry.delay(attempt, retry_after))
        raise CbsFetchError(
            f"Giving up on {url} after {self.retry.max_attempts} attempts",
            [Problem(f, file=url) for f in failures],
            hint="CBS may be down or slow; try again later. Pages fetched so far are kept in the work area and "
            "reused when you run the same fetch again (while the table's Modified date is unchanged).",
        )


def parse_json(data: bytes) -> Any:
    """A response body as JSON: by orjson (about twice as fast as ``json`` on CBS pages), and what orjson refuses
    (a byte-order mark, NaN) by ``json.loads``, so no body ``json`` accepts is taken for truncated. orjson reads an
    integer beyond 64 bits as a float; the capture only takes links, keys and counts from these bodies (the
    reader parses the stored bytes itself)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
