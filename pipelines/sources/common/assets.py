"""Asset factories shared by all sources: the snapshot manifest and one raw observations table per source."""


import polars as pl
import dagster as dg

from pipelines import policy
from pipelines.core.errors import MonitorError, Problem
from pipelines.core.warehouse import replace_table
from pipelines.core.observations import OBSERVATION_SCHEMA, empty
from pipelines.resources import SnapshotResource, WarehouseResource
from pipelines.sources.common import readers

ORIGINS_TABLE = "raw_snapshots__origins"
_ORIGIN_COLUMNS = ["producer", "title", "url", "published", "retrieved", "vintage", "licence", "citation",
                   "obtained", "obtained_detail", "confidence", "notes"]


def observation_metadata(df: pl.DataFrame, snapshot_ids: list[str]) -> dict:
    periods = df.filter(pl.col("period_start").is_not_null())
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "indicators": dg.MetadataValue.int(df["indicator_id"].n_unique()),
        "periods_covered": dg.MetadataValue.text(
            f"{periods['period_code'].min()} .. {periods['period_code'].max()}" if periods.height else "none"
        ),
        "snapshots": dg.MetadataValue.md("\n".join(f"- `{s}`" for s in snapshot_ids) or "none"),
        "publishers": dg.MetadataValue.md("\n".join(f"- {p}" for p in sorted(set(df["publisher"].drop_nulls()))) or "none"),
        "origins": dg.MetadataValue.md(_origins_md(df)),
        "confidence": dg.MetadataValue.json(
            {r["confidence"] or "unknown": r["len"] for r in df.group_by("confidence").len().iter_rows(named=True)}),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(dtype)) for name, dtype in OBSERVATION_SCHEMA.items()]
        ),
    }


def _origins_md(df: pl.DataFrame) -> str:
    """One line per document the rows come from: publisher, title, URL, date, confidence, row count."""
    if df.is_empty():
        return "none"
    docs = (df.group_by("publisher", "document_title", "url", "published", "confidence")
            .len().sort("publisher", "published"))
    return "| publisher | document | published | confidence | rows |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {r['publisher']} | [{r['document_title']}]({r['url']}) | {r['published']} | {r['confidence']} | {r['len']} |"
        for r in docs.iter_rows(named=True))


@dg.asset(
    name=ORIGINS_TABLE,
    group_name=policy.GROUP_SNAPSHOTS,
    pool=policy.WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="Every shipped or captured snapshot file with its origin (publisher, URL, dates, licence, "
    "citation, how obtained) and sha256. Verifies the whole snapshot store first: a file whose checksum or "
    "origin is wrong stops the build here, before anything is loaded.",
)
def raw_snapshots__origins(snapshots: SnapshotResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    verified = snapshots.store.verify_all()
    rows = [
        {"snapshot_id": s.id, "sha256": s.sha256, "bytes": len(s.data), "source_id": s.id.split("/")[0],
         "reader": s.layout.get("reader")}
        | {k: (None if s.origin.get(k) is None else str(s.origin.get(k))) for k in _ORIGIN_COLUMNS}
        for s in verified
    ]
    df = pl.DataFrame(rows, schema={"snapshot_id": pl.String, "sha256": pl.String, "bytes": pl.Int64,
                                    "source_id": pl.String, "reader": pl.String} | {k: pl.String for k in _ORIGIN_COLUMNS})
    with warehouse.connect() as con:
        replace_table(con, ORIGINS_TABLE, df)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(df.height),
            "snapshot_root": dg.MetadataValue.path(str(snapshots.store.root)),
            "origins": dg.MetadataValue.md(
                "| snapshot | producer | published | obtained |\n|---|---|---|---|\n"
                + "\n".join(f"| `{r['snapshot_id']}` | {r['producer']} | {r['published']} | {r['obtained']} |" for r in rows)
            ),
        }
    )


def _raw_table_asset(name: str, source_id: str, description: str):
    """The asset decorator every raw table shares: after the snapshot manifest, in the source's group, in the
    warehouse pool."""
    return dg.asset(
        name=name,
        group_name=policy.raw_group(source_id),
        deps=[ORIGINS_TABLE],
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=description,
    )


def raw_observations_asset(source_id: str, description: str, prefixes: list[str] | None = None,
                           table: str | None = None) -> dg.AssetsDefinition:
    """A raw table ``raw_<source>__observations`` from every snapshot under ``<source>/`` (or ``prefixes``)."""
    name = table or f"raw_{source_id}__observations"
    prefixes = prefixes or [f"{source_id}/"]

    @_raw_table_asset(name, source_id, description)
    def _raw(context: dg.AssetExecutionContext, snapshots: SnapshotResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        store = snapshots.store
        frames, ids = [], []
        for prefix in prefixes:
            for snapshot in store.under(prefix):
                if not snapshot.layout.get("reader") or readers.is_reference(snapshot):
                    continue  # raw capture pages a directory-level reader consumes; reference tables
                df = readers.read(snapshot)
                context.log.info(f"{snapshot.id}: {df.height} observations")
                frames.append(df)
                ids.append(snapshot.id)
        df = pl.concat(frames) if frames else empty()
        with warehouse.connect() as con:
            replace_table(con, name, df)
        return dg.MaterializeResult(metadata=observation_metadata(df, ids))

    return _raw


def raw_reference_asset(source_id: str, table: str, description: str) -> dg.AssetsDefinition:
    """A raw reference table ``table`` from every snapshot under ``<source>/`` whose layout names it."""

    @_raw_table_asset(table, source_id, description)
    def _raw(context: dg.AssetExecutionContext, snapshots: SnapshotResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        found = [s for s in snapshots.store.under(f"{source_id}/") if readers.is_reference(s) and s.layout.get("table") == table]
        if not found:
            raise MonitorError(f"No snapshot for {table}", [Problem(f"no sidecar under {source_id}/ has layout.table: {table}",
                                                                   file=f"{source_id}/")])
        frames = [readers.read_reference(s) for s in found]
        df = pl.concat(frames, how="diagonal_relaxed")
        with warehouse.connect() as con:
            replace_table(con, table, df)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": dg.MetadataValue.int(df.height),
            "snapshots": dg.MetadataValue.md("\n".join(f"- `{s.id}`" for s in found)),
            "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(n, str(t)) for n, t in df.schema.items()]),
        })

    return _raw
