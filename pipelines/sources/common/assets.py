"""Asset factories shared by all sources: the snapshot manifest and one raw observations table per source."""


import polars as pl
import dagster as dg
import duckdb
from collections.abc import Callable

from pipelines import policy
from pipelines.core.warehouse import replace_table
from pipelines.core.observations import OBSERVATION_SCHEMA, empty
from pipelines.resources import SnapshotResource, WarehouseResource
from pipelines.sources.common import readers

ORIGINS_TABLE = "raw_snapshots__origins"
_ORIGIN_COLUMNS = ["producer", "title", "url", "published", "retrieved", "vintage", "licence", "citation",
                   "obtained", "obtained_detail", "confidence", "notes"]


def observation_metadata(con: duckdb.DuckDBPyConnection, table: str, snapshot_ids: list[str]) -> dict:
    """Metadata of a written raw observations table, computed in DuckDB (the rows are not read back)."""
    rows, indicators, periods, first, last = con.execute(
        "SELECT count(*), count(DISTINCT indicator_id) + (count(*) > count(indicator_id))::INTEGER, "
        "count(*) FILTER (WHERE period_start IS NOT NULL), min(period_code) FILTER (WHERE period_start IS NOT NULL), "
        f'max(period_code) FILTER (WHERE period_start IS NOT NULL) FROM "{table}"').fetchone()
    publishers = sorted(r[0] for r in con.execute(f'SELECT DISTINCT publisher FROM "{table}" WHERE publisher IS NOT NULL').fetchall())
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "indicators": dg.MetadataValue.int(indicators),
        "periods_covered": dg.MetadataValue.text(f"{first} .. {last}" if periods else "none"),
        "snapshots": dg.MetadataValue.md("\n".join(f"- `{s}`" for s in snapshot_ids) or "none"),
        "publishers": dg.MetadataValue.md("\n".join(f"- {p}" for p in publishers) or "none"),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(dtype)) for name, dtype in OBSERVATION_SCHEMA.items()]
        ),
    }


def _streamed(context: dg.AssetExecutionContext, load: readers.Loader, snapshot) -> Callable[[duckdb.DuckDBPyConnection, str], int]:
    """A streaming reader's load of one snapshot, for ``replace_table(append=...)``."""
    def fill(con: duckdb.DuckDBPyConnection, table: str) -> int:
        n = load(snapshot, con, table)
        context.log.info(f"{snapshot.id}: {n} observations (streamed into {table})")
        return n
    return fill


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
        frames, ids, streamed = [], [], []
        for prefix in prefixes:
            for snapshot in store.under(prefix):
                if not snapshot.layout.get("reader"):
                    continue  # e.g. raw capture pages that a directory-level reader consumes
                ids.append(snapshot.id)
                if (load := readers.loader(snapshot)) is not None:  # large: streamed into the table, no frame
                    streamed.append(_streamed(context, load, snapshot))
                    continue
                df = readers.read(snapshot)
                context.log.info(f"{snapshot.id}: {df.height} observations")
                frames.append(df)
        df = pl.concat(frames) if frames else empty()
        with warehouse.connect() as con:
            replace_table(con, name, df, append=streamed)
            metadata = observation_metadata(con, name, ids)
        return dg.MaterializeResult(metadata=metadata)

    return _raw
