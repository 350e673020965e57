"""A fake CBS StatLine OData server on 127.0.0.1, for tests and the benchmark's local replay.

SYNTHETIC TEST FIXTURE. The *shape* follows CBS's documented API (data_sources.md §1.2-1.3): v3
``/ODataApi/odata/<id>/...`` and ``/ODataFeed/odata/<id>/...`` (paged with ``odata.nextLink``), v4
``/odata/v1/CBS/<id>/...`` (paged with ``@odata.nextLink``), space-padded v3 keys, a time dimension with
Status, TypedDataSet and UntypedDataSet with CBS symbols. The *values* are made up by a formula and are never
published; nothing from here may be copied into data/snapshots/.

Faults for the client's retry and failure paths are injected per request: ``500``, ``429``, ``timeout``
(answer later than the client waits), ``reset`` (TCP reset), ``truncate`` (a 200 whose JSON body is cut
short), ``loop`` (a nextLink back to the first page). ``latency`` delays every answer by that many seconds (the
real StatLine takes a few hundred milliseconds per page); requests are served in parallel. Collections honour
``$skip`` and ``$top`` (a page never holds more than ``page_size`` rows; a ``$top`` range ends without a nextLink).

Run stand-alone (the benchmark does): ``python -m tests.fakes.cbs_odata --rows 1000000 [--shape 85477NED]
[--latency 0.3]`` prints the base URL.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit


@dataclass
class FakeDim:
    key: str
    title: str
    codes: list[tuple[str, str, str | None]]  # (key as served, padded in v3; title; status for time codes)
    kind: str = "Dimension"  # Dimension | TimeDimension | GeoDimension


@dataclass
class FakeMeasure:
    key: str
    title: str
    unit: str
    decimals: int
    group: str | None = None  # TopicGroup title, if any


@dataclass
class FakeTable:
    table_id: str
    title: str
    modified: str
    dims: list[FakeDim]
    measures: list[FakeMeasure]
    reason: str = "Synthetic test table (tests/fakes)."
    missing_every: int = 97    # every n-th cell is '.' (missing)
    secret_every: int = 211    # every n-th cell is 'x' (secret)
    announce_count: bool = True  # TableInfos.RecordCount / Properties.ObservationCount present
    count_error: int = 0       # added to the announced count (a server that disagrees with itself)

    @property
    def row_count(self) -> int:
        n = 1
        for d in self.dims:
            n *= len(d.codes)
        return n

    def row(self, i: int) -> dict:
        """Row i of the data set: dimension keys by mixed radix, synthetic values."""
        out: dict = {"ID": i}
        rest = i
        for d in reversed(self.dims):
            rest, j = divmod(rest, len(d.codes))
            out[d.key] = d.codes[j][0]
        for m_i, m in enumerate(self.measures):
            cell = i * len(self.measures) + m_i
            if cell % self.secret_every == 5:
                out[m.key] = "x"
            elif cell % self.missing_every == 3:
                out[m.key] = "."
            else:
                out[m.key] = round(((cell * 7919) % 100_000) / 10 ** m.decimals + 1, m.decimals)
        return out


def quarters(first_year: int, last_year: int, provisional_from: int, annual: bool = True) -> list[tuple[str, str, str]]:
    names = {1: "1e kwartaal", 2: "2e kwartaal", 3: "3e kwartaal", 4: "4e kwartaal"}
    out = []
    for y in range(first_year, last_year + 1):
        status = "Voorlopig" if y >= provisional_from else "Definitief"
        star = "*" if status == "Voorlopig" else ""
        out += [(f"{y}KW0{q}", f"{y} {names[q]}{star}", status) for q in range(1, 5)]
        if annual:
            out.append((f"{y}JJ00", f"{y}{star}", status))
    return out


def vacancies_by_sector(table_id: str = "80472NED", modified: str = "2031-05-15T02:00:00", sectors: int = 6,
                        years: tuple[int, int] = (2021, 2024)) -> FakeTable:
    """Shaped like 80472NED (vacancies by sector and size; padded keys; quarters and years)."""
    codes = [("T001081 ", "A-U Alle economische activiteiten (synthetisch)", None)] + [
        (f"F{n:06d} ", f"Synthetische sector {n}", None) for n in range(1, sectors)]
    return FakeTable(table_id, "Vacatures; synthetische testtabel naar sector", modified,
                     [FakeDim("Bedrijfskenmerken", "Bedrijfskenmerken", codes),
                      FakeDim("Perioden", "Perioden", quarters(years[0], years[1], years[1]), "TimeDimension")],
                     [FakeMeasure("OpenstaandeVacatures_1", "Openstaande vacatures", "x 1 000", 1),
                      FakeMeasure("OntstaneVacatures_2", "Ontstane vacatures", "x 1 000", 0),
                      FakeMeasure("VervuldeVacatures_3", "Vervulde vacatures", "x 1 000", 0)])


def immigrants_by_motive(modified: str = "2031-06-30T02:00:00") -> FakeTable:
    """Shaped like 84809NED: the time dimension is JaarVanImmigratie, not Perioden."""
    years = [(f"{y}JJ00", str(y), "Definitief" if y < 2030 else "Voorlopig") for y in range(2026, 2031)]
    return FakeTable("84809NED", "Immigranten; synthetische testtabel naar motief", modified,
                     [FakeDim("Geslacht", "Geslacht", [("T001038", "Totaal mannen en vrouwen", None), ("F000001", "Synthetisch A", None)]),
                      FakeDim("Migratiemotief", "Migratiemotief", [("T001056", "Totaal", None), ("F000002", "Synthetisch motief", None)]),
                      FakeDim("Verblijfsduur", "Verblijfsduur", [("F000003", "Synthetische duur", None)]),
                      FakeDim("JaarVanImmigratie", "Jaar van immigratie", years, "TimeDimension")],
                     [FakeMeasure("ImmigrantenExclusiefEUEFTA_1", "Immigranten exclusief EU/EFTA", "aantal", 0)])


def big_table(rows: int, table_id: str = "99999NED") -> FakeTable:
    """A table of at least ``rows`` rows for the benchmark: regions x categories x quarters."""
    periods = quarters(1995, 2034, 2034)          # 200 periods
    per_region = 200 * 10
    regions = -(-rows // per_region)
    return FakeTable(table_id, "Synthetische benchmarktabel", "2031-01-01T02:00:00",
                     [FakeDim("RegioS", "Regio's", [(f"GM{n:04d}  ", f"Synthetische gemeente {n}", None) for n in range(regions)], "GeoDimension"),
                      FakeDim("Categorie", "Categorie", [(f"F{n:06d}", f"Synthetische categorie {n}", None) for n in range(10)]),
                      FakeDim("Perioden", "Perioden", periods, "TimeDimension")],
                     [FakeMeasure("Aantal_1", "Aantal", "aantal", 0), FakeMeasure("Bedrag_2", "Bedrag", "euro", 1)])


def table_shaped_like_85477ned(rows: int = 1_040_000, table_id: str = "99477NED") -> FakeTable:
    """A table shaped like a big StatLine table such as 85477NED: 8,000 keys (400 regions x 20 characteristics) x
    130 periods (26 years of quarters and years) and 3 measures: 1,040,000 rows, 3,120,000 observations. ``rows``
    scales the regions (3M and 10M rows for the benchmark's slope); at least ``rows`` rows are served. Its id is
    99477NED, not 85477NED: the real 85477NED is in the table set and shipped, and must not be confused with it."""
    periods = quarters(1996, 2021, 2021)          # 26 x 5 = 130 periods, none in the future (a blocking rule)
    per_region = 20 * len(periods)
    regions = -(-rows // per_region)
    return FakeTable(table_id, "Synthetische tabel zo groot als 85477NED", "2022-03-01T02:00:00",
                     [FakeDim("RegioS", "Regio's", [(f"GM{n:04d}  ", f"Synthetische gemeente {n}", None) for n in range(regions)], "GeoDimension"),
                      FakeDim("Kenmerken", "Kenmerken", [(f"K{n:06d}", f"Synthetisch kenmerk {n}", None) for n in range(20)]),
                      FakeDim("Perioden", "Perioden", periods, "TimeDimension")],
                     [FakeMeasure("Banen_1", "Banen", "x 1 000", 1), FakeMeasure("Werknemers_2", "Werknemers", "x 1 000", 1),
                      FakeMeasure("Uren_3", "Arbeidsvolume", "x 1 000 uur", 0)])


SHAPES = {"big": big_table, "85477NED": table_shaped_like_85477ned}


def register_records(table: FakeTable) -> list[dict]:
    """Indicator register records (data_contracts/registers/indicators.yaml) for the measures of a synthetic
    table, so a build that holds it passes the rule that every indicator in the data is registered. For a
    throwaway clone only (the benchmark's): a synthetic table is never part of the shipped monitor."""
    from pipelines.sources.cbs.lookups import generated_indicator_id

    records = []
    for m in table.measures:
        indicator = generated_indicator_id(table.table_id, m.key)
        records.append({"indicator_id": indicator, "concept_id": indicator,
                        "label_nl": f"{m.title} (synthetische tabel {table.table_id})",
                        "label_en": f"{m.title} (synthetic table {table.table_id})",
                        "definition": f"Synthetic measure {m.key} of the benchmark table {table.table_id} served by "
                                      "tests/fakes/cbs_odata.py; not a published figure.",
                        "unit": m.unit, "concept_unit": m.unit, "concept_unit_factor": 1, "frequency": "quarter"})
    return records


@dataclass
class Fault:
    match: str        # substring of the request path+query
    kind: str         # 500 | 429 | timeout | reset | truncate | loop
    times: int = 1    # how many matching requests get the fault
    delay: float = 2.0


def _filter_rows(expr: str | None):
    """Parse '(A eq 'x' or A eq 'y') and B eq 'z'' into a predicate; keys are compared exactly (padding too)."""
    if not expr:
        return lambda row: True
    groups = []
    for part in re.split(r"\)\s+and\s+\(|\s+and\s+", expr.strip()):
        alts = re.findall(r"(\w+) eq '([^']*)'", part)
        if not alts:
            raise ValueError(expr)
        groups.append(alts)
    return lambda row: all(any(row.get(d) == k for d, k in alts) for alts in groups)


class FakeCbs:
    """The server. Use as a context manager: ``with FakeCbs([table]) as cbs: cbs.base_url``."""

    def __init__(self, tables: list[FakeTable], page_size: int = 100, faults: list[Fault] | None = None,
                 latency: float = 0.0):
        self.tables = {t.table_id: t for t in tables}
        self.page_size = page_size
        self.latency = latency
        self.faults = list(faults or [])
        self.requests: list[str] = []
        self.in_flight = 0       # requests being answered now
        self.peak_in_flight = 0  # the most answered at once (with ``latency``, how many a client sends in parallel)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeCbs:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- request handling --------------------------------------------------------------------------
    def _fault_for(self, target: str) -> Fault | None:
        with self._lock:
            self.requests.append(target)
            for f in self.faults:
                if f.times > 0 and f.match in target:
                    f.times -= 1
                    return f
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            self._answer(h)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        target = unquote(h.path)
        fault = self._fault_for(target)
        if self.latency:
            time.sleep(self.latency)
        if fault and fault.kind == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.connection.close()
            return
        if fault and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault and fault.kind in ("500", "429"):
            return self._send(h, int(fault.kind), {"odata.error": {"message": {"value": "injected fault"}}},
                              headers={"Retry-After": "0"} if fault.kind == "429" else None)
        try:
            status, body = self._route(h.path, loop=bool(fault and fault.kind == "loop"))
        except (KeyError, ValueError) as exc:
            status, body = 404, {"odata.error": {"message": {"value": f"not found: {exc}"}}}
        self._send(h, status, body, truncate=bool(fault and fault.kind == "truncate"))

    def _send(self, h, status: int, body, truncate: bool = False, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        if truncate:
            data = data[: max(1, len(data) // 2)]
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json;charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _page(self, items, url_base: str, skip: int, next_key: str, query: dict, loop: bool):
        """A page of ``items`` (a sequence or a callable row(i) with a count) and its nextLink."""
        rows, count = items
        top = (query.get("$top") or [None])[0]
        end = count if top is None else min(count, skip + int(top))  # a $top range ends where it was asked to
        size = max(0, min(self.page_size, end - skip))
        chunk = [rows(i) for i in range(skip, skip + size)] if callable(rows) else rows[skip: skip + size]
        body = {"value": chunk}
        nxt = skip + self.page_size
        if loop:
            nxt = 0
        if nxt < end or loop:
            params = {k: v[0] for k, v in query.items() if k not in ("$skiptoken", "$skip")}
            params["$skiptoken" if next_key == "odata.nextLink" else "$skip"] = str(nxt)
            if top is not None:
                params["$top"] = str(end - nxt)
            body[next_key] = f"{self.base_url}{url_base}?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        return body

    def _route(self, raw_path: str, loop: bool):
        split = urlsplit(raw_path)
        path, query = split.path.rstrip("/"), parse_qs(split.query)
        skip = int((query.get("$skiptoken") or query.get("$skip") or ["0"])[0])
        parts = path.strip("/").split("/")
        if parts[:2] in (["ODataApi", "odata"], ["ODataFeed", "odata"]):
            table = self.tables[parts[2]]
            resource = parts[3] if len(parts) > 3 else ""
            return 200, self._v3(table, resource, path, skip, query, loop)
        if parts[:3] == ["odata", "v1", "CBS"]:
            table = self.tables[parts[3]]
            return 200, self._v4(table, parts[4] if len(parts) > 4 else "", path, skip, query, loop)
        raise KeyError(path)

    def _v3(self, t: FakeTable, resource: str, path: str, skip: int, query: dict, loop: bool):
        dims = {d.key: d for d in t.dims}
        if resource == "":
            names = ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups", *dims]
            return {"odata.metadata": f"{self.base_url}{path}/$metadata", "value": [{"name": n, "url": f"{self.base_url}{path}/{n}"} for n in names]}
        if resource == "TableInfos":
            return {"value": [{"ID": 0, "Title": t.title, "ShortTitle": t.title[:40], "Identifier": t.table_id,
                               "Summary": "Synthetische testtabel.", "Modified": t.modified, "ReasonDelivery": t.reason,
                               "Frequency": "Perkwartaal", "Period": "synthetisch", "OutputStatus": "Regulier",
                               "ColumnCount": len(t.dims) + len(t.measures)}
                              | ({"RecordCount": t.row_count + t.count_error} if t.announce_count else {})]}
        if resource == "DataProperties":
            props, n = [], itertools.count()
            for d in t.dims:
                props.append({"ID": next(n), "Position": None, "ParentID": None, "Type": d.kind, "Key": d.key,
                              "Title": d.title, "Description": "", "Datatype": None, "Unit": None, "Decimals": None, "Default": None})
            groups = {}
            for m in t.measures:
                parent = None
                if m.group:
                    if m.group not in groups:
                        groups[m.group] = next(n)
                        props.append({"ID": groups[m.group], "Position": None, "ParentID": None, "Type": "TopicGroup",
                                      "Key": "", "Title": m.group, "Description": "", "Datatype": None, "Unit": None,
                                      "Decimals": None, "Default": None})
                    parent = groups[m.group]
                props.append({"ID": next(n), "Position": None, "ParentID": parent, "Type": "Topic", "Key": m.key,
                              "Title": m.title, "Description": "", "Datatype": "Double", "Unit": m.unit,
                              "Decimals": m.decimals, "Default": "Impossible"})
            return self._page((props, len(props)), path, skip, "odata.nextLink", query, False)
        if resource == "CategoryGroups":
            return {"value": []}
        if resource in dims:
            d = dims[resource]
            rows = [{"Key": k, "Title": title, "Description": "", "CategoryGroupID": None} | ({"Status": s} if d.kind == "TimeDimension" else {})
                    for k, title, s in d.codes]
            return self._page((rows, len(rows)), path, skip, "odata.nextLink", query, loop)
        if resource in ("TypedDataSet", "UntypedDataSet"):
            keep = _filter_rows((query.get("$filter") or [None])[0])
            typed = resource == "TypedDataSet"

            def convert(row):
                if typed:
                    return {k: (None if v in (".", "x") else v) for k, v in row.items()}
                return {k: (v if k == "ID" or k in dims else f"{v:>12}" if isinstance(v, str) else f"{v:>12}") for k, v in row.items()}

            if (query.get("$filter") or [None])[0]:
                rows = [convert(r) for r in (t.row(i) for i in range(t.row_count)) if keep(r)]
                items = (rows, len(rows))
            else:
                items = (lambda i: convert(t.row(i)), t.row_count)
            return self._page(items, path, skip, "odata.nextLink", query, loop)
        raise KeyError(resource)

    def _v4(self, t: FakeTable, entity: str, path: str, skip: int, query: dict, loop: bool):
        dims = {f"{d.key}Codes": d for d in t.dims}
        if entity == "Properties":
            return {"Identifier": t.table_id, "Title": t.title, "Modified": t.modified, "ReasonDelivery": t.reason} | (
                {"ObservationCount": t.row_count * len(t.measures) + t.count_error} if t.announce_count else {})
        if entity == "Dimensions":
            rows = [{"Identifier": d.key, "Title": d.title, "Kind": d.kind} for d in t.dims]
            return self._page((rows, len(rows)), path, skip, "@odata.nextLink", query, False)
        if entity == "MeasureCodes":
            rows = [{"Identifier": m.key, "Title": m.title, "Unit": m.unit, "Decimals": m.decimals, "DataType": "Double"} for m in t.measures]
            return self._page((rows, len(rows)), path, skip, "@odata.nextLink", query, False)
        if entity in dims:
            d = dims[entity]
            rows = [{"Identifier": k.rstrip(), "Title": title} | ({"Status": s} if d.kind == "TimeDimension" else {}) for k, title, s in d.codes]
            return self._page((rows, len(rows)), path, skip, "@odata.nextLink", query, loop)
        if entity == "Observations":
            keep = _filter_rows((query.get("$filter") or [None])[0])
            obs = []
            for i in range(t.row_count):
                row = t.row(i)
                dimvals = {d.key: str(row[d.key]).rstrip() for d in t.dims}
                if not keep(dimvals):
                    continue
                for m in t.measures:
                    v = row[m.key]
                    attr = {"x": "Confidential", ".": "Missing"}.get(v, "None") if isinstance(v, str) else "None"
                    obs.append({"Id": len(obs), "Measure": m.key, "ValueAttribute": attr,
                                "Value": None if isinstance(v, str) else v} | dimvals)
            return self._page((obs, len(obs)), path, skip, "@odata.nextLink", query, loop)
        raise KeyError(entity)


class ServerProcess:
    """This module's server in a process of its own, started from ``root``'s copy with ``options`` (those of
    ``main``); ``base_url`` once it listens. The benchmarks use it so the server's CPU is not theirs."""

    def __init__(self, root: Path, *options: str, seconds: float = 3600):
        env = dict(os.environ, PYTHONPATH=str(root))
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fakes.cbs_odata", *options, "--seconds", str(seconds)],
                                        cwd=root, env=env, stdout=subprocess.PIPE, text=True)
        self.base_url = self.process.stdout.readline().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a synthetic CBS-shaped table on 127.0.0.1 (tests, benchmark).")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="big",
                        help="big: 99999NED (regions x 10 categories x 200 periods, 2 measures); "
                             "85477NED: 99477NED shaped like 85477NED, 8,000 keys x 130 periods, 3 measures at 1,040,000 rows")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=3600, help="stop by itself after this long")
    args = parser.parse_args(argv)
    server = FakeCbs([SHAPES[args.shape](args.rows)], page_size=args.page_size, latency=args.latency)
    server.start(args.port)
    print(server.base_url, flush=True)
    try:
        time.sleep(args.seconds)
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
