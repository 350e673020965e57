"""Capture one CBS table as a new directory snapshot: every page as received, a manifest, an origin sidecar.

Layout (``<store>/cbs/<TABLE>/capture_<modified>_<retrieved>/``)::

    MANIFEST.json               the snapshot's data file: table, API, vintage, and every page with its sha256
    MANIFEST.json.origin.yaml   origin: CBS, title, URL, Modified (vintage), ReasonDelivery, retrieval time,
                                licence CC BY 4.0, citation, obtained: api_capture, layout.reader
    pages/<sha256>.json         each response body exactly as received (content-addressed)

The data set's pages are fetched in parallel when the table information announces its row count (``$skip``/``$top``
ranges, see ``_Fetcher.data``), else one after the other along the nextLinks. Pages are content-addressed and the
manifest lists them by resource and page number, so the capture is the same bytes whatever order they arrived in.
Nothing is written into the store until every page is in: pages go to the work area first (see
``workarea``), the finished capture is assembled in a dot-folder beside its final place, verified with the
store's own checks, and renamed into place in one step. A failed fetch leaves the store as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from pipelines.core.errors import Problem
from pipelines.core.snapshots import MANIFEST_NAME, SIDECAR_SUFFIX, SnapshotStore, write_sidecar
from pipelines.sources.cbs.odata import v3, v4
from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.paging import follow, next_link, page_ranges, range_url, rows
from pipelines.sources.cbs.odata.resources import Resource
from pipelines.sources.cbs.odata.transport import CbsFetchError, Page, Transport, parse_json
from pipelines.sources.cbs.odata.workarea import WorkArea
from pipelines.sources.cbs.tables import TableSpec

MANIFEST_FORMAT = "monitor-arbeidsmigratie/cbs-odata-capture/1"
CBS = "Centraal Bureau voor de Statistiek (CBS)"
LICENCE = "CC BY 4.0"
Progress = Callable[[str, str, int, int], None]  # (table id, what is happening, pages so far, rows so far)


@dataclass
class CaptureResult:
    table_id: str
    modified: str
    snapshot_id: str | None = None
    pages: int = 0
    rows: int = 0
    reused_pages: int = 0
    skipped: bool = False
    message: str = ""


@dataclass
class _PageRecord:
    resource: str
    role: str
    page: int
    url: str
    sha256: str
    bytes: int
    rows: int


def _api(spec: TableSpec):
    return v4 if spec.api == "v4" else v3


def _slug(stamp: str) -> str:
    return "".join(c for c in stamp if c.isalnum())[:15] or "unknown"


def _link_or_copy(source: Path, target: Path) -> None:
    """The work area's page into the capture: a hard link where both are on one file system (the bytes are not
    written a second time), else a copy. Work-area pages are never changed in place (content-addressed, written
    whole under a temporary name and renamed), so the link is the bytes as received; the assembled capture is
    verified with the store's own checks before it is renamed into place."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _existing_capture(table_dir: Path, key: dict) -> str | None:
    """The folder of a capture of the same table version (same Modified and filter, whatever the API), if any:
    a second one would put every figure twice into raw_cbs__observations."""
    for sidecar in sorted(table_dir.glob(f"capture_*/{MANIFEST_NAME}{SIDECAR_SUFFIX}")):
        try:
            origin = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        other = origin.get("capture_key") or {}
        if all(other.get(k) == key[k] for k in ("table_id", "modified", "filter")):
            return sidecar.parent.name
    return None


class _Fetcher:
    """Fetches pages through the work area (reusing pages a failed run already received)."""

    def __init__(self, transport: Transport, area: WorkArea | None, table_id: str, progress: Progress | None):
        self.transport, self.area, self.table_id, self.progress = transport, area, table_id, progress
        self.reused = 0
        self.records: list[_PageRecord] = []
        self.pages_done = 0
        self.rows_done = 0
        self.kept: dict[str, bytes] = {}  # page bytes by sha256 while there is no work area yet
        self._lock = threading.Lock()

    def get(self, url: str) -> Page:
        """The page for ``url``, from the work area if an earlier run received it. The page carries the URL as
        asked (not as the server may have redirected it), so a fresh and a resumed capture record the same."""
        if self.area is not None and (cached := self.area.cached(url)) is not None:
            with self._lock:
                self.reused += 1
            data, sha = cached
            return Page(url, data, parse_json(data), sha)
        page = self.transport.get_json(url)
        if self.area is not None:
            self.area.put(url, page.data, page.sha256)
        else:
            self.kept[page.sha256] = page.data
        return page if page.url == url else Page(url, page.data, page.body, page.sha256)

    def _record(self, res: Resource, number: int, page: Page, page_rows: list) -> None:
        record = _PageRecord(res.name, res.role, number, page.url, page.sha256, len(page.data), len(page_rows))
        with self._lock:
            self.records.append(record)
            self.pages_done += 1
            if res.role == "data":
                self.rows_done += len(page_rows)
            done = (self.pages_done, self.rows_done)
        if self.progress:
            self.progress(self.table_id, f"{res.name} page {number + 1}", *done)

    def resource(self, res: Resource) -> list:
        """Fetch every page of ``res`` one after the other (following nextLinks); keep the page records; return
        the rows unless it is the data set."""
        out: list = []
        label = f"{self.table_id}/{res.name}"
        if res.single:
            page = self.get(res.url)
            if not isinstance(page.body, dict):
                raise CbsFetchError(f"Unexpected response for {label}", [Problem("expected a JSON object", file=page.url)])
            pages = [page]
        else:
            pages = follow(res.url, self.get, label)
        for number, page in enumerate(pages):
            page_rows = [page.body] if res.single else rows(page, label)
            if res.role != "data":
                out.extend(page_rows)
            self._record(res, number, page, page_rows)
        return out

    def data(self, res: Resource, count: int | None, workers: int) -> None:
        """Fetch the data set. With a known row ``count`` (and more than one page), the first page shows the
        server's page size and every further page is asked for as a ``$skip``/``$top`` range, ``workers`` at a
        time (the transport bounds the requests in flight); else the nextLinks are followed. Each ranged page
        must hold the rows it was asked for and nothing may follow the last: a server that disagrees with its
        own count is paged through its nextLinks instead, so the capture is complete either way."""
        label = f"{self.table_id}/{res.name}"
        first = self.get(res.url)
        first_rows = rows(first, label)
        if count is None or next_link(first) is None or not first_rows or count <= len(first_rows):
            return self._follow(res, first)
        ranges = page_ranges(res.url, count, len(first_rows), label)
        self._record(res, 0, first, first_rows)
        disagrees: list[str] = []

        def one(number: int, url: str, expected: int) -> None:
            if disagrees:
                return
            try:
                page = self.get(url)
            except CbsFetchError as exc:
                start = number * len(first_rows)
                what = (f"page {number + 1} of {len(ranges) + 1} (rows {start}-{start + expected - 1})" if expected
                        else f"the check that no rows follow the {count} announced")
                raise CbsFetchError(f"{label}: {what} could not be fetched; nothing was captured",
                                    exc.problems, exc.hint) from exc
            got = rows(page, label)
            if len(got) != expected and expected:
                disagrees.append(f"page {number + 1} ({url}) holds {len(got)} rows, {expected} expected")
            elif expected:
                self._record(res, number, page, got)
            elif got:
                disagrees.append(f"rows after the {count} the table information announces ({url})")

        end = (range_url(res.url, count, len(first_rows)), 0)  # nothing may follow the announced count
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(one, n, url, expected) for n, (url, expected) in enumerate([*ranges, end], start=1)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        if disagrees:
            with self._lock:  # forget the ranged pages; the nextLinks decide
                self.records = [r for r in self.records if r.resource != res.name]
                self.rows_done = 0
                self.pages_done = len(self.records)
            self._follow(res, first)

    def _follow(self, res: Resource, first: Page) -> None:
        label = f"{self.table_id}/{res.name}"
        for number, page in enumerate(follow(res.url, lambda url: first if url == res.url else self.get(url), label)):
            self._record(res, number, page, rows(page, label))


def capture_table(spec: TableSpec, *, store_root: Path, work_dir: Path, endpoints: Endpoints,
                  transport: Transport, progress: Progress | None = None, force: bool = False,
                  concurrency: int | None = None) -> CaptureResult:
    """Fetch one table into a new capture under ``store_root``; see the module docstring."""
    api = _api(spec)
    table_id = spec.table_id
    retrieved = datetime.now(timezone.utc).replace(microsecond=0)
    workers = concurrency or transport.retry.max_concurrency

    # 1. What version is CBS serving? (always asked afresh)
    probe = _Fetcher(transport, None, table_id, progress)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        info_resources = api.info_resources(endpoints, table_id)
        got = dict(zip([r.name for r in info_resources], pool.map(probe.resource, info_resources)))
    info = api.table_info(got)
    modified = str(info.get("Modified") or info.get("ObservationsModified") or "")
    if not modified:
        raise CbsFetchError(f"{table_id}: the table information has no Modified date",
                            [Problem("missing field Modified", file=info_resources[0].url)],
                            hint="without it the capture has no vintage; is this a CBS OData service?")
    key = {"table_id": table_id, "api": spec.api, "data_set": spec.data_set if spec.api == "v3" else "Observations",
           "filter": {d: list(k) for d, k in spec.filter.items()}, "modified": modified,
           "base_url": endpoints.v3_base if spec.api == "v3" else endpoints.v4_base}
    table_dir = Path(store_root) / "cbs" / table_id
    if not force and (existing := _existing_capture(table_dir, key)):
        return CaptureResult(table_id, modified, f"cbs/{table_id}/{existing}/{MANIFEST_NAME}", skipped=True,
                             message=f"already captured (Modified {modified}) in {existing}; use --force to capture again")

    # 2. Everything else, through the work area so that a rerun resumes.
    area = WorkArea(Path(work_dir) / "cbs_capture" / table_id, key)
    fetcher = _Fetcher(transport, area, table_id, progress)
    for record in probe.records:  # the info pages, as received
        area.put(record.url, probe.kept[record.sha256], record.sha256)
    fetcher.records = list(probe.records)
    fetcher.pages_done = probe.pages_done
    with ThreadPoolExecutor(max_workers=workers) as pool:
        meta = api.metadata_resources(endpoints, table_id, got)
        got.update(zip([r.name for r in meta], pool.map(fetcher.resource, meta)))
    data = api.data_resource(endpoints, spec, got)
    fetcher.data(data, api.row_count(info, spec), workers)

    # 3. Assemble beside the final place, verify, rename.
    order = {"info": 0, "metadata": 1, "dimension": 2, "data": 3}
    fetcher.records.sort(key=lambda r: (order[r.role], r.resource, r.page))
    title = str(info.get("Title") or spec.title or table_id)
    manifest = {
        "format": MANIFEST_FORMAT,
        "table_id": table_id,
        "api": spec.api,
        "data_set": data.name,
        "modified": modified,
        "retrieved_at": retrieved.isoformat().replace("+00:00", "Z"),
        "resources": {r.name: r.role for r in [*info_resources, *meta, data]},
        "files": [{"path": f"pages/{r.sha256}.json", "sha256": r.sha256, "bytes": r.bytes, "resource": r.resource,
                   "role": r.role, "page": r.page, "rows": r.rows, "url": r.url} for r in fetcher.records],
    }
    name = f"capture_{_slug(modified)}_{retrieved.strftime('%Y%m%dT%H%M%SZ')}"
    table_dir.mkdir(parents=True, exist_ok=True)
    incoming = table_dir / f".incoming-{uuid.uuid4().hex}"
    try:
        (incoming / "pages").mkdir(parents=True)
        for r in fetcher.records:
            target = incoming / "pages" / f"{r.sha256}.json"
            if not target.exists():
                _link_or_copy(area.page_path(r.sha256), target)
        manifest_path = incoming / MANIFEST_NAME
        manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        year = modified[:4]
        write_sidecar(manifest_path, {
            "producer": CBS,
            "title": f"{title} (StatLine tabel {table_id})",
            "url": endpoints.v3_table(table_id) if spec.api == "v3" else endpoints.v4_table(table_id),
            "published": modified[:10],
            "retrieved": retrieved.date().isoformat(),
            "retrieved_at": manifest["retrieved_at"],
            "vintage": modified[:10],
            "modified": modified,
            "reason_delivery": info.get("ReasonDelivery"),
            "licence": LICENCE,
            "citation": f"CBS ({year}). {title}. StatLine, tabel {table_id} (stand {modified[:10]}). Bron: CBS, CC BY 4.0.",
            "obtained": "api_capture",
            "obtained_detail": f"Captured by `monitor fetch cbs` through the OData {spec.api} API at "
                               f"{key['base_url']}: {len(fetcher.records)} pages, {fetcher.rows_done} rows of {data.name}.",
            "confidence": "primary",
            "capture_key": key,
            "layout": {"reader": "cbs_odata_capture", "source_id": "cbs", "dataset_id": table_id},
        })
        SnapshotStore(store_root).read(f"cbs/{table_id}/{incoming.name}/{MANIFEST_NAME}")
        final = table_dir / name
        if final.exists():  # two captures within one second (--force)
            name = f"{name}_{uuid.uuid4().hex[:6]}"
            final = table_dir / name
        incoming.rename(final)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    area.remove()
    return CaptureResult(table_id, modified, f"cbs/{table_id}/{name}/{MANIFEST_NAME}", len(fetcher.records),
                         fetcher.rows_done, fetcher.reused)


@dataclass(frozen=True)
class ServedVersion:
    table_id: str
    modified: str
    reason_delivery: str | None


def served_version(spec: TableSpec, *, endpoints: Endpoints, transport: Transport) -> ServedVersion:
    """Which version of the table CBS serves now: its ``Modified`` and ``ReasonDelivery``, from the table
    information alone (one small request; nothing is written)."""
    api = _api(spec)
    info_resource = api.info_resources(endpoints, spec.table_id)[0]
    rows_ = _Fetcher(transport, None, spec.table_id, None).resource(info_resource)
    info = api.table_info({info_resource.name: rows_})
    modified = str(info.get("Modified") or info.get("ObservationsModified") or "")
    if not modified:
        raise CbsFetchError(f"{spec.table_id}: the table information has no Modified date",
                            [Problem("missing field Modified", file=info_resource.url)])
    return ServedVersion(spec.table_id, modified, info.get("ReasonDelivery"))


def captured_versions(store_root: Path, table_id: str) -> list[str]:
    """The ``Modified`` of every capture of ``table_id`` held in the store (from their origin sidecars)."""
    found = []
    for sidecar in sorted((Path(store_root) / "cbs" / table_id).glob(f"capture_*/{MANIFEST_NAME}{SIDECAR_SUFFIX}")):
        try:
            origin = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        modified = (origin.get("capture_key") or {}).get("modified") or origin.get("modified")
        if modified:
            found.append(str(modified))
    return found
