"""Publication assets: export the database, render the report, release everything atomically.

All three run only when every upstream blocking check passed (Dagster skips them otherwise), and they
work in a per-run staging directory; ``publication__release`` is the only step that touches ``output/``.
"""


import platform
import shutil
from datetime import datetime, timezone

import dagster as dg

from pipelines import __version__, policy
from pipelines.core.publish import release
from pipelines.core.warehouse import connect, export_database, table_names
from pipelines.publication.catalog import comment_statements
from pipelines.publication.engine import engine_name, render
from pipelines.resources import PublicationResource, WarehouseResource
from pipelines.settings import REPORTS_DIR
from pipelines.validation.report import REPORT_DIR, validation_report_asset

DATABASE = "monitor.duckdb"
REPORT = REPORTS_DIR / "monitor.qmd"
PUBLISHED_FILES = [DATABASE, "monitor.html", "monitor.pdf", REPORT_DIR]


def publication_assets(tables: list[str]) -> list[dg.AssetsDefinition]:
    """``tables``: every warehouse table to publish (raw, staging, marts), in dependency order."""

    @dg.asset(
        name="publication__database",
        group_name=policy.GROUP_PUBLICATION,
        deps=tables,
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="A fresh, compact monitor.duckdb with every raw, staging and mart table and their "
        "descriptions (from the data contracts), written to the run's staging directory.",
    )
    def publication__database(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                              publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run_id)
        for old in staging.parent.glob("*"):
            if old != staging:
                shutil.rmtree(old, ignore_errors=True)  # leftovers of earlier failed runs
        staging.mkdir(parents=True, exist_ok=True)
        with connect(warehouse.file, read_only=True) as con:
            present = table_names(con)
        missing = [t for t in tables if t not in present]
        if missing:
            raise dg.Failure(f"Tables missing from the warehouse {warehouse.file}: {missing}. Materialize them first "
                             "(`monitor build` materializes everything).")
        target = staging / DATABASE
        export_database(warehouse.file, target, tables, comments=comment_statements(tables))
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": dg.MetadataValue.int(len(tables)),
            "bytes": dg.MetadataValue.int(target.stat().st_size),
        })

    @dg.asset(
        name="publication__report",
        group_name=policy.GROUP_PUBLICATION,
        deps=[publication__database],
        kinds={"quarto", "altair"},
        description="The monitor rendered from reports/monitor.qmd to self-contained HTML and PDF, reading every "
        "figure from the staged monitor.duckdb.",
    )
    def publication__report(context: dg.AssetExecutionContext, publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run_id)
        engine = engine_name()
        context.log.info(f"Rendering {REPORT.name} with the {engine} engine")
        produced = render(REPORT, staging, env={"MONITOR_DUCKDB": str(staging / DATABASE)})
        return dg.MaterializeResult(metadata={
            "engine": dg.MetadataValue.text(engine),
            **{f"{fmt}_bytes": dg.MetadataValue.int(p.stat().st_size) for fmt, p in produced.items()},
        })

    publication__validation_report = validation_report_asset(tables)

    @dg.asset(
        name="publication__release",
        group_name=policy.GROUP_PUBLICATION,
        deps=[publication__report, publication__validation_report],
        kinds={"file"},
        description="Moves monitor.duckdb, monitor.html, monitor.pdf and the validation report (validation/) from the "
        "staging directory into the output directory with atomic renames, then writes build.json. Runs only after "
        "every blocking check passed.",
    )
    def publication__release(context: dg.AssetExecutionContext, publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run_id)
        with connect(staging / DATABASE, read_only=True) as con:
            snapshots = con.execute("SELECT snapshot_id, sha256 FROM raw_snapshots__origins ORDER BY 1").fetchall()
        manifest = {
            "monitor_version": __version__,
            "run_id": context.run_id,
            "released_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "publication_engine": engine_name(),
            "python": platform.python_version(),
            "files": PUBLISHED_FILES,
            "snapshots": {sid: sha for sid, sha in snapshots},
        }
        placed = release(staging, publication.output, PUBLISHED_FILES, manifest)
        shutil.rmtree(staging, ignore_errors=True)
        return dg.MaterializeResult(metadata={
            "output_dir": dg.MetadataValue.path(str(publication.output)),
            "files": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in placed)),
        })

    return [publication__database, publication__report, publication__validation_report, publication__release]
