"""What a capture fetches: named resources, each one URL followed page by page (or one singleton)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    name: str   # e.g. TableInfos, DataProperties, Perioden, TypedDataSet, Observations
    url: str
    role: str   # info | metadata | dimension | data
    single: bool = False  # a singleton (v4 Properties): one JSON object, no 'value' list, no paging


def padded_filter(dimension: str, wanted: tuple[str, ...], rows: list[dict], key_field: str, pad: bool) -> str:
    """An OData $filter selecting ``wanted`` keys of ``dimension``.

    Keys are compared after rstrip (CBS v3 stores them space-padded to a fixed width) and sent exactly as
    the server spells them, padding included. A wanted key the table does not have is an error.
    """
    from pipelines.core.errors import Problem
    from pipelines.sources.cbs.odata.transport import CbsFetchError

    by_stripped = {str(r[key_field]).rstrip(): str(r[key_field]) for r in rows}
    missing = [k for k in wanted if k.rstrip() not in by_stripped]
    if missing:
        raise CbsFetchError(
            f"filter on {dimension}: key(s) not in the table",
            [Problem(f"key {k!r} not found; the table has e.g. {sorted(by_stripped)[:5]}", file="tables.yaml",
                     field=f"filter.{dimension}") for k in missing],
            hint="correct the filter in pipelines/sources/cbs/tables.yaml",
        )
    sent = [by_stripped[k.rstrip()] if pad else k.rstrip() for k in wanted]
    clause = " or ".join(f"{dimension} eq '{k}'" for k in sent)
    return f"({clause})" if len(sent) > 1 else clause
