"""OData v4 (datasets.cbs.nl/odata/v1/CBS/<id>): which resources make up a capture of one table.

Properties (a singleton), Dimensions and MeasureCodes first; then ``<Dimension>Codes`` for every dimension;
then Observations (long format: Measure, Value, ValueAttribute, one column per dimension), paged with
``@odata.nextLink``. Keys are not padded in v4.
"""

from __future__ import annotations

from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.resources import Resource, padded_filter
from pipelines.sources.cbs.tables import TableSpec


def info_resources(ep: Endpoints, table_id: str) -> list[Resource]:
    return [Resource("Properties", ep.v4(table_id, "Properties"), "info", single=True),
            Resource("Dimensions", ep.v4(table_id, "Dimensions"), "metadata"),
            Resource("MeasureCodes", ep.v4(table_id, "MeasureCodes"), "metadata")]


def table_info(rows_by_resource: dict[str, list]) -> dict:
    props = rows_by_resource.get("Properties") or [{}]
    return props[0]


def metadata_resources(ep: Endpoints, table_id: str, rows_by_resource: dict[str, list]) -> list[Resource]:
    return [Resource(f"{d['Identifier']}Codes", ep.v4(table_id, f"{d['Identifier']}Codes"), "dimension")
            for d in rows_by_resource["Dimensions"]]


def data_resource(ep: Endpoints, spec: TableSpec, rows_by_resource: dict[str, list]) -> Resource:
    clauses = [padded_filter(dim, keys, rows_by_resource.get(f"{dim}Codes") or [], "Identifier", pad=False)
               for dim, keys in spec.filter.items()]
    return Resource("Observations", ep.v4(spec.table_id, "Observations", " and ".join(clauses) or None), "data")


def row_count(info: dict, spec: TableSpec) -> int | None:
    """The rows of Observations, from Properties' ObservationCount; unknown (None) when a filter selects part."""
    count = info.get("ObservationCount")
    return int(count) if isinstance(count, int) and not spec.filter else None
