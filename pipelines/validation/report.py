"""The validation report of a build: GX Data Docs of every contract check of the run.

``publication__validation_report`` runs after every table's blocking check passed and renders the Data Docs
into the run's publication staging directory (``validation/``), which ``publication__release`` moves into
``output/validation/`` together with the database and the report. ``write_run_report`` does the same for the
command line into the work directory, also for failed runs (there is nothing to publish then, but people
need to see what failed).
"""


from pathlib import Path

import dagster as dg

from pipelines import policy
from pipelines.resources import PublicationResource
from pipelines.validation.results import read_results, validation_root

REPORT_DIR = "validation"


def write_run_report(run_id: str, target: "Path | None" = None) -> "Path | None":
    """Data Docs of run ``run_id`` (default: ``$MONITOR_WORK_DIR/validation/docs``); None if nothing was checked."""
    from pipelines.validation.datadocs import build_data_docs

    results = read_results(run_id)
    if not results:
        return None
    return build_data_docs(results, target or validation_root() / "docs", run_name=run_id)


def validation_report_asset(tables: list[str]) -> dg.AssetsDefinition:
    @dg.asset(
        name="publication__validation_report",
        group_name=policy.GROUP_PUBLICATION,
        deps=tables,
        kinds={"html"},
        description="The validation report of this build: Great Expectations Data Docs of every table's data contract "
        "(every rule and its outcome), self-contained for offline reading, staged for release as output/validation/.",
    )
    def publication__validation_report(context: dg.AssetExecutionContext, publication: PublicationResource) -> dg.MaterializeResult:
        results = read_results(context.run.run_id)
        if not results:
            raise dg.Failure("No validation results were written in this run: the contract checks did not run.")
        index = write_run_report(context.run.run_id, publication.staging(context.run.run_id) / REPORT_DIR)
        return dg.MaterializeResult(metadata={
            "index": dg.MetadataValue.path(str(index)),
            "tables": dg.MetadataValue.int(len(results)),
            "rules": dg.MetadataValue.int(sum(len(r["results"]) for r in results)),
        })

    return publication__validation_report
