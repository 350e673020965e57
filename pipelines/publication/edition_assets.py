"""The edition assets: one Dagster partition per edition of the register (data_contracts/registers/editions.yaml).

``publication__edition_database`` builds the edition's warehouse from the working warehouse with the edition's
cut-off applied (pipelines/publication/editions.py) and exports its monitor.duckdb; ``publication__edition_report``
renders the report from it with ``SOURCE_DATE_EPOCH`` taken from the cut-off; ``publication__edition`` freezes
the files read-only as output/editions/<edition>/ with a reproducible ``build.json`` (sha256 per file) and
``build-facts.json`` (this build's run id and time). They are a job of their own (``publish_edition``): the regular
``build_monitor`` job is not partitioned and does not include them. Each run works in its own staging folder.
"""


import platform
import shutil
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines import __version__, policy
from pipelines.core.errors import PublishError
from pipelines.core.publish import check_edition, release_edition
from pipelines.core.warehouse import connect
from pipelines.core.warehouse_backends import rollback_quietly
from pipelines.publication.assets import CHART_DATA_DIR, DATABASE, REPORT, export_published_database, source_commit
from pipelines.publication.assets import EDITIONS as RENDERED  # the four rendered files (Dutch, English)
from pipelines.publication.editions import (EDITIONS_TABLE, build_edition_warehouse, edition_in_warehouse,
                                            register_editions, source_date_epoch)
from pipelines.resources import PublicationResource, WarehouseResource

EDITION_FILES = [DATABASE, *RENDERED, CHART_DATA_DIR]  # validation/ (run-stamped Data Docs) is not part of an edition

editions_partitions = dg.StaticPartitionsDefinition([e.edition for e in register_editions()])


class EditionConfig(dg.Config):
    editions_dir: str = ""  # empty: <output>/editions; `monitor edition verify` rebuilds into a scratch folder


def _staging(publication: PublicationResource, context: dg.AssetExecutionContext) -> Path:
    return publication.staging(context.run.run_id) / f"edition-{context.partition_key}"


def _editions_dir(config: EditionConfig, publication: PublicationResource) -> Path:
    return Path(config.editions_dir) if config.editions_dir else publication.editions


def edition_assets(tables: list[str]) -> list[dg.AssetsDefinition]:
    """``tables``: every warehouse table (the edition is built from all of them)."""

    @dg.asset(
        name="publication__edition_database",
        group_name=policy.GROUP_PUBLICATION,
        partitions_def=editions_partitions,
        deps=tables,
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="The edition's monitor.duckdb: the warehouse's raw tables as known on the edition's cut-off "
        "date (data_contracts/registers/editions.yaml), every SQL model built on them, exported like "
        "publication__database.",
    )
    def publication__edition_database(context: dg.AssetExecutionContext, config: EditionConfig,
                                      warehouse: WarehouseResource, publication: PublicationResource) -> dg.MaterializeResult:
        try:
            check_edition(_editions_dir(config, publication), context.partition_key)  # fail before any work
        except PublishError as exc:
            raise dg.Failure(str(exc)) from exc
        with connect(warehouse.file, read_only=True) as con:
            try:
                edition = edition_in_warehouse(con, context.partition_key)
            except PublishError as exc:
                raise dg.Failure(str(exc)) from exc
        staging = _staging(publication, context)
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "out").mkdir(parents=True)
        kept = build_edition_warehouse(warehouse.file, staging / "warehouse.duckdb", edition.cutoff)
        with connect(staging / "warehouse.duckdb", read_only=True) as con:
            published = [r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() "
                "WHERE NOT internal").fetchall()]
        export_published_database(staging / "warehouse.duckdb", staging / "out" / DATABASE,
                                  [t for t in tables if t in published])
        return dg.MaterializeResult(metadata={
            "cutoff": dg.MetadataValue.text(edition.cutoff.isoformat()),
            "observation_rows_kept": dg.MetadataValue.json(kept),
            "path": dg.MetadataValue.path(str(staging / "out" / DATABASE)),
        })

    @dg.asset(
        name="publication__edition_report",
        group_name=policy.GROUP_PUBLICATION,
        partitions_def=editions_partitions,
        deps=[publication__edition_database],
        kinds={"quarto", "altair"},
        description="The report rendered from the edition's monitor.duckdb (Dutch and English, HTML and PDF), with "
        "SOURCE_DATE_EPOCH from the edition's cut-off so that no file records the time of the build.",
    )
    def publication__edition_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                    publication: PublicationResource) -> dg.MaterializeResult:
        from pipelines.publication.engine import render

        with connect(warehouse.file, read_only=True) as con:
            edition = edition_in_warehouse(con, context.partition_key)
        out = _staging(publication, context) / "out"
        produced = render(REPORT, out, env={"MONITOR_DUCKDB": str(out / DATABASE), "MONITOR_EDITION": edition.edition,
                                            "SOURCE_DATE_EPOCH": str(source_date_epoch(edition.cutoff))})
        missing = [name for name in RENDERED if name not in produced]
        if missing:
            raise dg.Failure(f"Rendering {REPORT.name} did not produce {missing} (produced: {sorted(produced)})")
        (out / CHART_DATA_DIR).mkdir(exist_ok=True)
        return dg.MaterializeResult(metadata={f"{n}_bytes": dg.MetadataValue.int(p.stat().st_size)
                                              for n, p in produced.items()})

    @dg.asset(
        name="publication__edition",
        group_name=policy.GROUP_PUBLICATION,
        partitions_def=editions_partitions,
        deps=[publication__edition_report],
        kinds={"file"},
        description="Freezes the edition read-only as output/editions/<edition>/: monitor.duckdb, the four "
        "rendered files, data/, build.json (reproducible: commit, cut-off, snapshots, sha256 per file) and "
        "build-facts.json (this build's run id and time). An edition that exists is never written again.",
    )
    def publication__edition(context: dg.AssetExecutionContext, config: EditionConfig, warehouse: WarehouseResource,
                             publication: PublicationResource) -> dg.MaterializeResult:
        from pipelines.publication.engine import engine_name
        from pipelines.core.snapshots import sha256_file
        from pipelines.publication.reproducible import CONTENT_COMPARED, edition_digests

        with connect(warehouse.file, read_only=True) as con:
            edition = edition_in_warehouse(con, context.partition_key)
        staging = _staging(publication, context)
        out = staging / "out"
        with connect(out / DATABASE, read_only=True) as con:
            snapshots = dict(con.execute("SELECT snapshot_id, sha256 FROM raw_snapshots__origins ORDER BY 1").fetchall())
        manifest = {
            "monitor_version": __version__,
            "edition": edition.edition,
            "cutoff": edition.cutoff.isoformat(),
            "source_date_epoch": source_date_epoch(edition.cutoff),
            "publication_engine": engine_name(),
            "source_commit": source_commit(),
            "files": EDITION_FILES,
            "snapshots": snapshots,
            "sha256": edition_digests(out, EDITION_FILES),
        }
        facts = {"run_id": context.run.run_id, "released_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "python": platform.python_version(), "platform": platform.platform(),
                 # the database's bytes differ between two writes of the same content (build.json has its content)
                 "file_sha256": {name: sha256_file(out / name) for name in sorted(CONTENT_COMPARED)}}
        target_dir = _editions_dir(config, publication)
        try:
            check_edition(target_dir, edition.edition)
            frozen = release_edition(out, target_dir, edition.edition, EDITION_FILES, manifest, facts)
        except PublishError as exc:
            raise dg.Failure(str(exc)) from exc
        shutil.rmtree(staging, ignore_errors=True)
        return dg.MaterializeResult(metadata={"edition": dg.MetadataValue.path(str(frozen)),
                                              "files": dg.MetadataValue.int(len(manifest["sha256"]))})

    return [publication__edition_database, publication__edition_report, publication__edition]


EDITION_FIGURE_COLUMNS = ["concept_id", "indicator_id", "breakdown", "period_code", "period_type", "period_label",
                          "value", "unit", "vintage", "vintage_precision", "snapshot_id", "source_row"]


EDITION_SOURCE = "mart__figures_current"  # the model each edition's figures are read from
STORED_SOURCE = "edition_figures_stored"  # its rows stored in the scratch edition warehouse


def edition_figures_asset(raw_tables: list[str], sql_assets: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """``mart__edition_figures``: the current figures of every edition of the register, each as known on its
    cut-off (the SQL models that make mart__figures_current re-run per edition, pipelines/publication/editions.py).
    It depends on every raw table and on those models, so a change to another model does not rebuild it."""
    from pipelines.descriptions import table_description
    from pipelines.publication.editions import EDITION_FIGURES
    from pipelines.transform.sql_models import build_order, discover

    built = set(build_order({m.name: m.references for m in discover()}, roots=[EDITION_SOURCE]))
    deps = [*raw_tables, *(key.to_user_string() for a in sql_assets for key in a.keys if key.to_user_string() in built)]

    @dg.asset(
        name=EDITION_FIGURES,
        group_name=policy.GROUP_MARTS,
        deps=deps,
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=table_description(EDITION_FIGURES),
    )
    def mart__edition_figures(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with connect(warehouse.file, read_only=True) as con:
            editions = con.execute(f"SELECT edition, cutoff FROM {EDITIONS_TABLE} ORDER BY cutoff, edition").fetchall()
        scratch = warehouse.file.parent / "edition-figures"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            columns = ", ".join(EDITION_FIGURE_COLUMNS)
            for edition, cutoff in editions:
                build_edition_warehouse(warehouse.file, scratch / f"{edition}.duckdb", cutoff, with_editions=False,
                                        only=[EDITION_SOURCE])
                # the view's figures stored first, so the sort below reads a table: a sort and the view's join in one
                # statement did not fit in the memory limit together with 3.1M figures (benchmarks/RESULTS.md, B5)
                with connect(scratch / f"{edition}.duckdb") as con:
                    con.execute(f"CREATE TABLE {STORED_SOURCE} AS SELECT {columns} FROM {EDITION_SOURCE}")
            with warehouse.connect() as con:
                for i, (edition, _) in enumerate(editions):
                    con.execute(f"ATTACH '{scratch / f'{edition}.duckdb'}' AS edition_{i} (READ_ONLY)")
                # Filled under another name, one edition per statement, then swapped in in one transaction: inserts
                # inside one transaction (or one CREATE ... AS ... ORDER BY) held every row in memory until the commit
                # and ran out of the memory limit at 3M figures; committed inserts are written as they go.
                staged = f"{EDITION_FIGURES}__staged"
                try:
                    con.execute(f"CREATE OR REPLACE TABLE {staged} AS SELECT CAST(NULL AS VARCHAR) AS edition, "
                                f"CAST(NULL AS DATE) AS cutoff, {columns} FROM {EDITION_SOURCE} WHERE false")
                    for i, (edition, cutoff) in enumerate(editions):
                        con.execute(f"INSERT INTO {staged} SELECT ?, ?, {columns} FROM edition_{i}.{STORED_SOURCE} "
                                    "ORDER BY concept_id, breakdown, period_code", [edition, cutoff])
                    con.execute("BEGIN")
                    con.execute(f"DROP TABLE IF EXISTS {EDITION_FIGURES}")
                    con.execute(f"ALTER TABLE {staged} RENAME TO {EDITION_FIGURES}")
                    con.execute("COMMIT")
                except Exception:
                    rollback_quietly(con)
                    con.execute(f"DROP TABLE IF EXISTS {staged}")
                    raise
                counts = dict(con.execute(f"SELECT edition, count(*) FROM {EDITION_FIGURES} GROUP BY 1 ORDER BY 1").fetchall())
                for i in range(len(editions)):
                    con.execute(f"DETACH edition_{i}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
                                              "figures_per_edition": dg.MetadataValue.json(counts)})

    return mart__edition_figures
