"""Asset factories shared by all sources: the snapshot manifest and one raw observations table per source."""


from collections.abc import Callable

import dagster as dg
import duckdb
import polars as pl

from pipelines import policy
from pipelines.core.errors import MonitorError, Problem
from pipelines.core.warehouse import replace_table
from pipelines.core.observations import OBSERVATION_SCHEMA, empty
from pipelines.descriptions import column_schema, table_description
from pipelines.resources import SnapshotResource, WarehouseResource
from pipelines.sources.common import readers

ORIGINS_TABLE = "raw_snapshots__origins"
# definition metadata of a raw table: the snapshot folders it loads (its inputs, for incremental builds)
SNAPSHOTS_UNDER = "snapshots_under"
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
        "origins": dg.MetadataValue.md(_origins_md(con, table)),
        "confidence": dg.MetadataValue.json({c or "unknown": n for c, n in con.execute(
            f'SELECT confidence, count(*) FROM "{table}" GROUP BY ALL ORDER BY ALL').fetchall()}),
        "dagster/column_schema": column_schema(table, OBSERVATION_SCHEMA.items()),
    }


def _origins_md(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """One line per document the rows come from: publisher, title, URL, date, confidence, row count."""
    docs = con.execute(f'''SELECT publisher, document_title, url, published, confidence, count(*) FROM "{table}"
                           GROUP BY ALL ORDER BY publisher, published, document_title''').fetchall()
    if not docs:
        return "none"
    return "| publisher | document | published | confidence | rows |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {publisher} | [{title}]({url}) | {published} | {confidence} | {n} |"
        for publisher, title, url, published, confidence, n in docs)


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
    description=table_description(ORIGINS_TABLE),
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


def _raw_table_asset(name: str, source_id: str, prefixes: list[str]):
    """The asset decorator every raw table shares: after the snapshot manifest, in the source's group, in the
    warehouse pool, described by its data contract, naming the snapshot folders it loads."""
    return dg.asset(
        name=name,
        group_name=policy.raw_group(source_id),
        deps=[ORIGINS_TABLE],
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=table_description(name),
        metadata={SNAPSHOTS_UNDER: ",".join(prefixes)},
    )


def raw_observations_asset(source_id: str, prefixes: list[str] | None = None,
                           table: str | None = None) -> dg.AssetsDefinition:
    """A raw table ``raw_<source>__observations`` from every snapshot under ``<source>/`` (or ``prefixes``)."""
    name = table or f"raw_{source_id}__observations"
    prefixes = prefixes or [f"{source_id}/"]

    @_raw_table_asset(name, source_id, prefixes)
    def _raw(context: dg.AssetExecutionContext, snapshots: SnapshotResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        store = snapshots.store
        frames, ids, streamed = [], [], []
        for prefix in prefixes:
            for snapshot in store.under(prefix):
                if not snapshot.layout.get("reader") or readers.is_reference(snapshot):
                    continue  # raw capture pages a directory-level reader consumes; reference tables
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


def raw_reference_asset(source_id: str, table: str) -> dg.AssetsDefinition:
    """A raw reference table ``table`` from every snapshot under ``<source>/`` whose layout names it."""

    @_raw_table_asset(table, source_id, [f"{source_id}/"])
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
