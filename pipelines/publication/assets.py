"""Publication assets: export the database, render the report, release everything atomically.

All three run only when every upstream blocking check passed (Dagster skips them otherwise), and they
work in a per-run staging directory; ``publication__release`` is the only step that touches ``output/``.
"""


import platform
import shutil
import subprocess
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines import __version__, policy
from pipelines.core.publish import current_release, release
from pipelines.core.warehouse import connect, export_database, table_names
from pipelines.publication.catalog import comment_statements
from pipelines.publication.engine import engine_name, render
from pipelines.resources import PublicationResource, WarehouseResource
from pipelines.settings import REPO_ROOT, REPORTS_DIR
from pipelines.transform.sql_models import build_order, discover, macro_statements
from pipelines.validation.report import REPORT_DIR, validation_report_asset

DATABASE = "monitor.duckdb"
REPORT = REPORTS_DIR / "monitor.qmd"
EDITIONS = ["monitor.html", "monitor.pdf", "monitor.en.html", "monitor.en.pdf"]  # Dutch (default profile), English
CHART_DATA_DIR = "data"  # every chart's data as CSV, linked from the HTML editions
PUBLISHED_FILES = [DATABASE, *EDITIONS, CHART_DATA_DIR, REPORT_DIR]


def export_published_database(work: Path, target: Path, tables: Sequence[str]) -> None:
    """Write the published database from the working warehouse: tables copied, SQL models declared
    ``materialized: view`` recreated as views (so they keep their definition), except those declared
    ``published: table``, whose rows are stored (the views analysts query most; sql_models.py), and every table,
    view and column described from the contracts. Used by ``publication__database`` for every build and refresh."""
    models = {m.name: m for m in discover()}
    order = build_order({m.name: m.references for m in models.values()})
    views = {name: models[name].sql for name in order if name in tables and models[name].published == "view"}
    copied = [t for t in tables if t not in views]
    macros = macro_statements(sorted({name for view in views for name in models[view].macros}))
    export_database(work, target, copied, views, comments=comment_statements(copied, views), macros=macros)


def report_env(database: Path) -> dict[str, str]:
    """What the report of a regular build is rendered with: the database it reads, and the edition it is labelled
    with (``MONITOR_EDITION``): the editions register's newest edition, as held in that database."""
    from pipelines.publication.editions import newest_edition

    with connect(database, read_only=True) as con:
        edition = newest_edition(con)
    return {"MONITOR_DUCKDB": str(database)} | ({"MONITOR_EDITION": edition} if edition else {})


def source_commit() -> str | None:
    """The git commit the code was built from (with '-dirty' when files differ), if this is a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _staged_or_released(staging: Path, output: Path, name: str) -> Path:
    """``name`` from this run's staging directory, or, when an incremental build did not rebuild it, from the
    current release."""
    if (staging / name).exists() or (released := current_release(output)) is None:
        return staging / name
    return released / name


def publication_assets(tables: list[str]) -> list[dg.AssetsDefinition]:
    """``tables``: every warehouse table to publish (raw, staging, marts), in dependency order."""

    @dg.asset(
        name="publication__database",
        group_name=policy.GROUP_PUBLICATION,
        deps=tables,
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="A fresh, compact monitor.duckdb with every raw, staging and mart table and view and their "
        "descriptions (from the data contracts), written to the run's staging directory.",
    )
    def publication__database(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                              publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run.run_id)
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
        export_published_database(warehouse.file, target, tables)
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
        description="The monitor rendered from reports/monitor.qmd, Dutch and English editions (Quarto profiles nl "
        "and en), to self-contained HTML and PDF, with every chart's data as CSV in data/, reading every figure "
        "from the staged monitor.duckdb.",
    )
    def publication__report(context: dg.AssetExecutionContext, publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run.run_id)
        staging.mkdir(parents=True, exist_ok=True)
        engine = engine_name()
        context.log.info(f"Rendering {REPORT.name} with the {engine} engine")
        database = _staged_or_released(staging, publication.output, DATABASE)
        produced = render(REPORT, staging, env=report_env(database))  # CSVs: staging/data
        missing = [name for name in EDITIONS if name not in produced]
        if missing:
            raise dg.Failure(f"Rendering {REPORT.name} did not produce {missing} (produced: {sorted(produced)}); "
                             "check the profiles and output-file in reports/_quarto*.yml")
        (staging / CHART_DATA_DIR).mkdir(exist_ok=True)  # published even when no chart wrote a CSV
        return dg.MaterializeResult(metadata={
            "engine": dg.MetadataValue.text(engine),
            **{f"{name}_bytes": dg.MetadataValue.int(p.stat().st_size) for name, p in produced.items()},
            "chart_csv_files": dg.MetadataValue.int(len(list((staging / CHART_DATA_DIR).glob("*.csv")))),
        })

    publication__validation_report = validation_report_asset(tables)

    @dg.asset(
        name="publication__release",
        group_name=policy.GROUP_PUBLICATION,
        deps=[publication__report, publication__validation_report],
        kinds={"file"},
        description="Moves monitor.duckdb, both editions (monitor.html, monitor.pdf, monitor.en.html, monitor.en.pdf), "
        "the chart data (data/) and the validation report (validation/) from the "
        "staging directory into the output directory as one release (output/releases/<id>/ and one switch of "
        "output/current), with build.json. Editions are frozen by publication__edition. Runs only after every "
        "blocking check passed.",
    )
    def publication__release(context: dg.AssetExecutionContext, publication: PublicationResource) -> dg.MaterializeResult:
        staging = publication.staging(context.run.run_id)
        with connect(_staged_or_released(staging, publication.output, DATABASE), read_only=True) as con:
            snapshots = con.execute("SELECT snapshot_id, sha256 FROM raw_snapshots__origins ORDER BY 1").fetchall()
        manifest = {
            "monitor_version": __version__,
            "run_id": context.run.run_id,
            "released_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "publication_engine": engine_name(),
            "python": platform.python_version(),
            "source_commit": source_commit(),
            "files": PUBLISHED_FILES,
            "snapshots": {sid: sha for sid, sha in snapshots},
        }
        placed = release(staging, publication.output, PUBLISHED_FILES, manifest, reuse=current_release(publication.output))
        shutil.rmtree(staging, ignore_errors=True)
        return dg.MaterializeResult(metadata={
            "output_dir": dg.MetadataValue.path(str(publication.output)),
            "files": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in placed)),
        })

    return [publication__database, publication__report, publication__validation_report, publication__release]
