"""The Dagster code location of the Monitor Arbeidsmigratie (`dagster dev` loads this module).

Thin by design: each layer contributes its assets; checks come from the data contracts.
"""

import dagster as dg

from pipelines import policy
from pipelines.operations.freshness_checks import freshness_checks
from pipelines.operations.jobs import refresh_cbs_live
from pipelines.operations.schedules import annual_edition_schedule, monthly_cbs_refresh
from pipelines.operations.sensors import build_after_cbs_refresh_sensor, cbs_table_changes, report_failed_runs
from pipelines.publication.assets import publication_assets
from pipelines.publication.edition_assets import edition_assets, edition_figures_asset
from pipelines.publication.editions import EDITION_FIGURES
from pipelines.registers import register_assets
from pipelines.resources import default_resources
from pipelines.sources import discover_source_assets
from pipelines.sources.common.assets import raw_snapshots__origins
from pipelines.transform.assets import sql_model_assets
from pipelines.validation.checks import contract_checks

raw_assets = [raw_snapshots__origins, *register_assets(), *discover_source_assets()]
raw_tables = [key.to_user_string() for a in raw_assets for key in a.keys]
sql_inputs = {*raw_tables, EDITION_FIGURES}  # the tables SQL models read that no SQL model makes
sql_assets = sql_model_assets(sql_inputs)
sql_tables = [key.to_user_string() for a in sql_assets for key in a.keys]
model_assets = [*sql_assets, edition_figures_asset(raw_tables, sql_assets)]  # every edition's current figures
model_tables = [*sql_tables, EDITION_FIGURES]
warehouse_tables = raw_tables + model_tables

edition_assets_defs = edition_assets(warehouse_tables)
all_assets = [*raw_assets, *model_assets, *publication_assets(warehouse_tables), *edition_assets_defs]
editions = dg.AssetSelection.assets(*edition_assets_defs)

build_job = dg.define_asset_job(
    "build_monitor",
    selection=dg.AssetSelection.all() - editions,
    description="Everything from snapshots to the released publication (what `monitor build` runs).",
)

edition_job = dg.define_asset_job(
    "publish_edition",
    selection=editions,
    description="One edition (a partition: data_contracts/registers/editions.yaml) built from the warehouse as "
    "known on its cut-off date and frozen as output/editions/<edition>/ (what `monitor edition publish` runs "
    "after `validate_monitor`).",
)

validate_job = dg.define_asset_job(
    "validate_monitor",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(policy.GROUP_PUBLICATION),  # editions too
    description="Loads and checks everything up to the marts; publishes nothing (what `monitor validate` runs).",
)


def make_definitions(loggers: dict[str, dg.LoggerDefinition] | None = None,
                     build_selection: dg.AssetSelection | None = None,
                     executor: dg.ExecutorDefinition | None = None) -> dg.Definitions:
    """The code location; the CLI adds its progress logger and, for an incremental build, the part of
    ``build_monitor`` to run (pipelines/cli/plan.py); `dagster dev` uses the defaults. ``executor``: the
    in-process one unless given (a deployment on DuckLake + PostgreSQL may run steps in parallel processes:
    docs/deployment.md)."""
    build = build_job if build_selection is None else dg.define_asset_job(
        build_job.name, selection=build_selection, description=build_job.description)
    return dg.Definitions(
        assets=all_assets,
        asset_checks=[*contract_checks(warehouse_tables),
                      *freshness_checks([t.removeprefix("raw_").removesuffix("__observations") for t in raw_tables
                                         if t.endswith("__observations") and f"stg_{t[4:]}" in model_tables])],
        jobs=[build, validate_job, edition_job, refresh_cbs_live],
        schedules=[monthly_cbs_refresh, annual_edition_schedule(edition_job)],
        sensors=[cbs_table_changes, build_after_cbs_refresh_sensor(build), report_failed_runs],
        resources=default_resources(),
        executor=executor or dg.in_process_executor,
        loggers=loggers,
    )


defs = make_definitions()
