"""The monitor's CBS table set (``tables.yaml``), loaded and checked once.

Errors name the file, the table and the field. See the header of ``tables.yaml`` for the fields.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import MonitorError, Problem

TABLES_FILE = Path(__file__).with_name("tables.yaml")
_TABLE_ID = re.compile(r"^[0-9A-Za-z]{5,12}$")
_INDICATOR = re.compile(r"^[a-z0-9_]+$")
AUTO_TOTAL = re.compile(r"^T\d{6}$")
APIS = ("v3", "v4")
DATA_SETS = ("TypedDataSet", "UntypedDataSet")


class TableConfigError(MonitorError):
    """tables.yaml is malformed."""


@dataclass(frozen=True)
class KeyOrTitle:
    """A dimension key, or a title to find the key by (``{title: ...}`` in the YAML)."""

    key: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class MeasureMap:
    indicator_id: str
    key: str | None = None
    title: str | None = None
    where: dict[str, KeyOrTitle] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    title: str = ""
    api: str = "v3"
    data_set: str = "TypedDataSet"
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    totals: dict[str, str] = field(default_factory=dict)
    measures: tuple[MeasureMap, ...] = ()

    def is_total(self, dimension: str, key: str) -> bool:
        if dimension in self.totals:
            return key.rstrip() == self.totals[dimension]
        return bool(AUTO_TOTAL.match(key.rstrip()))


def normalise_title(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _key_or_title(value: Any, where: str, problems: list[Problem], file: str) -> KeyOrTitle:
    if isinstance(value, dict) and set(value) == {"title"}:
        return KeyOrTitle(title=str(value["title"]))
    if isinstance(value, (str, int)):
        return KeyOrTitle(key=str(value))
    problems.append(Problem("expected a key or {title: ...}", file=file, field=where, value=value))
    return KeyOrTitle()


def parse_tables(raw: Any, file: str = "pipelines/sources/cbs/tables.yaml") -> dict[str, TableSpec]:
    problems: list[Problem] = []
    tables = (raw or {}).get("tables") if isinstance(raw, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise TableConfigError(f"{file} lists no tables", [Problem("expected a mapping 'tables:'", file=file)])
    specs = {}
    for table_id, entry in tables.items():
        table_id = str(table_id)
        at = f"tables.{table_id}"
        entry = entry or {}
        if not _TABLE_ID.match(table_id):
            problems.append(Problem("not a StatLine table id", file=file, field=at))
        unknown = set(entry) - {"title", "why", "api", "data_set", "filter", "totals", "measures", "confirmed"}
        problems += [Problem("unknown field", file=file, field=f"{at}.{k}") for k in sorted(unknown)]
        api = entry.get("api", "v3")
        if api not in APIS:
            problems.append(Problem(f"must be one of {APIS}", file=file, field=f"{at}.api", value=api))
        data_set = entry.get("data_set", "TypedDataSet")
        if data_set not in DATA_SETS:
            problems.append(Problem(f"must be one of {DATA_SETS}", file=file, field=f"{at}.data_set", value=data_set))
        measures = []
        for i, m in enumerate(entry.get("measures") or []):
            mat = f"{at}.measures[{i}]"
            if not isinstance(m, dict):
                problems.append(Problem("expected a mapping", file=file, field=mat))
                continue
            if bool(m.get("key")) == bool(m.get("title")):
                problems.append(Problem("give exactly one of key or title", file=file, field=mat))
            indicator = str(m.get("indicator_id") or "")
            if not _INDICATOR.match(indicator):
                problems.append(Problem("indicator_id must be lower case letters, digits, _", file=file,
                                        field=f"{mat}.indicator_id", value=indicator or None))
            where = {str(d): _key_or_title(v, f"{mat}.where.{d}", problems, file) for d, v in (m.get("where") or {}).items()}
            measures.append(MeasureMap(indicator, m.get("key"), m.get("title"), where))
        filters = {str(d): tuple(str(k) for k in (v if isinstance(v, list) else [v]))
                   for d, v in (entry.get("filter") or {}).items()}
        specs[table_id] = TableSpec(table_id, str(entry.get("title") or ""), api, data_set, filters,
                                    {str(d): str(k) for d, k in (entry.get("totals") or {}).items()}, tuple(measures))
    if problems:
        raise TableConfigError(f"{file} is not a valid table set", problems, hint="see the header of tables.yaml")
    return specs


@functools.cache
def load_tables(path: Path = TABLES_FILE) -> dict[str, TableSpec]:
    return parse_tables(yaml.safe_load(path.read_text(encoding="utf-8")), file=str(path.name))


def check_table_ids(table_ids: list[str]) -> None:
    """Refuse, before any request, ids that are not StatLine table identifiers (5 to 12 letters and digits, e.g.
    84545NED, 37518TOT, 80590ned): an id becomes part of the request URL and of the snapshot path, so ``abc/../x``
    or an empty id must never reach either."""
    bad = [Problem(f"{tid!r} is not a StatLine table identifier (5-12 letters and digits, e.g. 84545NED)", field="table id")
           for tid in table_ids if not _TABLE_ID.match(tid or "")]
    if bad:
        raise MonitorError("No table was fetched: these table ids are not valid", bad,
                           hint="give the table id as StatLine shows it (e.g. 84545NED), or no id for the whole table set "
                           "(pipelines/sources/cbs/tables.yaml)")


def table_spec(table_id: str) -> TableSpec:
    """The configured spec, or a bare one (all measures with generated ids) for a table not in the set."""
    check_table_ids([table_id])
    tables = load_tables()
    for tid, spec in tables.items():
        if tid.casefold() == table_id.casefold():
            return spec
    return TableSpec(table_id)
