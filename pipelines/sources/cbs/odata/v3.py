"""OData v3 (opendata.cbs.nl): which resources make up a capture of one table.

TableInfos and DataProperties first; then CategoryGroups and every dimension named in DataProperties
(Type Dimension, TimeDimension, GeoDimension, GeoDetail: the time dimension is found by its Type, not by
the name Perioden); then the rows from the bulk ODataFeed, paged with ``odata.nextLink``.
"""

from __future__ import annotations

from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.resources import Resource, padded_filter
from pipelines.sources.cbs.tables import TableSpec

DIMENSION_TYPES = ("Dimension", "TimeDimension", "GeoDimension", "GeoDetail")


def info_resources(ep: Endpoints, table_id: str) -> list[Resource]:
    return [Resource("TableInfos", ep.v3_api(table_id, "TableInfos"), "info"),
            Resource("DataProperties", ep.v3_api(table_id, "DataProperties"), "metadata")]


def table_info(rows_by_resource: dict[str, list]) -> dict:
    infos = rows_by_resource.get("TableInfos") or [{}]
    return infos[0]


def metadata_resources(ep: Endpoints, table_id: str, rows_by_resource: dict[str, list]) -> list[Resource]:
    dims = [p["Key"] for p in rows_by_resource["DataProperties"] if p.get("Type") in DIMENSION_TYPES]
    return [Resource("CategoryGroups", ep.v3_api(table_id, "CategoryGroups"), "metadata")] + [
        Resource(d, ep.v3_api(table_id, d), "dimension") for d in dims]


def data_resource(ep: Endpoints, spec: TableSpec, rows_by_resource: dict[str, list]) -> Resource:
    clauses = [padded_filter(dim, keys, rows_by_resource.get(dim) or [], "Key", pad=True)
               for dim, keys in spec.filter.items()]
    odata_filter = " and ".join(clauses) or None
    return Resource(spec.data_set, ep.v3_feed(spec.table_id, spec.data_set, odata_filter), "data")


def row_count(info: dict, spec: TableSpec) -> int | None:
    """The rows of the data set, from TableInfos' RecordCount; unknown (None) when a filter selects part of it."""
    count = info.get("RecordCount")
    return int(count) if isinstance(count, int) and not spec.filter else None
