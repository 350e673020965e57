"""Read a capture back: its dimensions (which one is time), measures, codes with labels and statuses.

v3: DataProperties rows with ``Type`` Dimension / TimeDimension / GeoDimension / GeoDetail / Topic /
TopicGroup; each dimension's rows (``Key`` space-padded, ``Title``, and ``Status`` on the time dimension).
v4: ``Dimensions`` (``Identifier``, ``Title``, ``Kind``), ``MeasureCodes`` (``Identifier``, ``Title``, ``Unit``,
``Decimals``) and ``<Dimension>Codes`` (``Identifier``, ``Title``, ``Status`` on time codes).
The time dimension is the one whose Type/Kind says so; its name varies (Perioden, JaarVanImmigratie).
Every byte comes from ``Snapshot.member``, which verifies it against the manifest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.snapshots import Snapshot

V3_DIMENSION_TYPES = ("Dimension", "TimeDimension", "GeoDimension", "GeoDetail")


@dataclass(frozen=True)
class Code:
    key: str       # as the server spells it (v3: padded)
    title: str
    status: str | None = None


@dataclass
class Dimension:
    key: str
    title: str
    is_time: bool
    codes: dict[str, Code] = field(default_factory=dict)  # by key without padding


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    label: str      # TopicGroup titles + Title, as StatLine pages print the column header
    unit: str
    decimals: int | None


@dataclass
class CaptureMeta:
    table_id: str
    api: str
    data_set: str
    modified: str
    info: dict
    dimensions: list[Dimension]
    measures: dict[str, Measure]
    data_members: list[str]

    @property
    def time(self) -> Dimension:
        return next(d for d in self.dimensions if d.is_time)

    @property
    def others(self) -> list[Dimension]:
        return [d for d in self.dimensions if not d.is_time]


def _json(snapshot: Snapshot, name: str):
    data = snapshot.member(name)
    try:
        return json.loads(data)
    except ValueError as exc:
        raise SourceFormatError(f"Captured page is not JSON: {name}", [Problem(str(exc), file=f"{snapshot.id} -> {name}")]) from exc


def _resource_rows(snapshot: Snapshot, files: list[dict], resource: str) -> list[dict]:
    out: list[dict] = []
    for f in files:
        if f.get("resource") == resource:
            body = _json(snapshot, f["path"])
            out.extend(body["value"] if isinstance(body, dict) and "value" in body else [body])
    return out


def _decimals(value) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except ValueError:
        return None


def load(snapshot: Snapshot) -> CaptureMeta:
    try:
        manifest = json.loads(snapshot.data)
        files = manifest["files"]
        table_id, api, data_set, modified = manifest["table_id"], manifest["api"], manifest["data_set"], manifest["modified"]
    except (ValueError, KeyError) as exc:
        raise SourceFormatError(f"{snapshot.id} is not a CBS capture manifest", [Problem(str(exc), file=snapshot.id)]) from exc
    data_members = [f["path"] for f in sorted((f for f in files if f.get("role") == "data"), key=lambda f: f["page"])]
    if api == "v4":
        info = (_resource_rows(snapshot, files, "Properties") or [{}])[0]
        dims = [Dimension(d["Identifier"], d.get("Title") or d["Identifier"], d.get("Kind") == "TimeDimension")
                for d in _resource_rows(snapshot, files, "Dimensions")]
        for d in dims:
            for c in _resource_rows(snapshot, files, f"{d.key}Codes"):
                d.codes[str(c["Identifier"]).rstrip()] = Code(str(c["Identifier"]), c.get("Title") or "", c.get("Status"))
        measures = {m["Identifier"]: Measure(m["Identifier"], m.get("Title") or "", m.get("Title") or "",
                                             m.get("Unit") or "", _decimals(m.get("Decimals")))
                    for m in _resource_rows(snapshot, files, "MeasureCodes")}
    else:
        info = (_resource_rows(snapshot, files, "TableInfos") or [{}])[0]
        props = _resource_rows(snapshot, files, "DataProperties")
        by_id = {p.get("ID"): p for p in props}
        dims = [Dimension(p["Key"], p.get("Title") or p["Key"], p.get("Type") == "TimeDimension")
                for p in props if p.get("Type") in V3_DIMENSION_TYPES]
        for d in dims:
            for c in _resource_rows(snapshot, files, d.key):
                d.codes[str(c["Key"]).rstrip()] = Code(str(c["Key"]), c.get("Title") or "", c.get("Status"))
        measures = {}
        for p in props:
            if p.get("Type") != "Topic":
                continue
            path, parent = [], by_id.get(p.get("ParentID"))
            while parent is not None and parent.get("Type") == "TopicGroup":
                path.insert(0, parent.get("Title") or "")
                parent = by_id.get(parent.get("ParentID"))
            title = p.get("Title") or p["Key"]
            measures[p["Key"]] = Measure(p["Key"], title, " ".join([*path, title]), p.get("Unit") or "",
                                         _decimals(p.get("Decimals")))
    times = [d for d in dims if d.is_time]
    if len(times) != 1:
        raise SourceFormatError(
            f"{snapshot.id}: expected exactly one time dimension, found {len(times)}",
            [Problem("no dimension has Type/Kind TimeDimension" if not times else f"several: {[d.key for d in times]}", file=snapshot.id)],
            hint="the capture's DataProperties (v3) or Dimensions (v4) must mark the time dimension",
        )
    return CaptureMeta(table_id, api, data_set, modified, info, dims, measures, data_members)

