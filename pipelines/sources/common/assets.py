"""Asset factories shared by all sources: the snapshot manifest and one raw observations table per source."""


import polars as pl
import dagster as dg

from pipelines import policy
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
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(dtype)) for name, dtype in OBSERVATION_SCHEMA.items()]
        ),
    }


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


def raw_observations_asset(source_id: str, description: str, prefixes: list[str] | None = None,
                           table: str | None = None) -> dg.AssetsDefinition:
    """A raw table ``raw_<source>__observations`` from every snapshot under ``<source>/`` (or ``prefixes``)."""
    name = table or f"raw_{source_id}__observations"
    prefixes = prefixes or [f"{source_id}/"]

    @dg.asset(
        name=name,
        group_name=policy.raw_group(source_id),
        deps=[ORIGINS_TABLE],
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=description,
    )
    def _raw(context: dg.AssetExecutionContext, snapshots: SnapshotResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        store = snapshots.store
        frames, ids = [], []
        for prefix in prefixes:
            for snapshot in store.under(prefix):
                if not snapshot.layout.get("reader"):
                    continue  # e.g. raw capture pages that a directory-level reader consumes
                df = readers.read(snapshot)
                context.log.info(f"{snapshot.id}: {df.height} observations")
                frames.append(df)
                ids.append(snapshot.id)
        df = pl.concat(frames) if frames else empty()
        with warehouse.connect() as con:
            replace_table(con, name, df)
        return dg.MaterializeResult(metadata=observation_metadata(df, ids))

    return _raw
