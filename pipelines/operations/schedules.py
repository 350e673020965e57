"""Schedules: the monthly live refresh and the annual edition. Both are off until an operator turns them on
(`dagster dev` here has no network; a deployment switches them on in the UI or with `dagster schedule start`)."""

from __future__ import annotations

import dagster as dg

from pipelines.operations.jobs import refresh_cbs_live
from pipelines.publication.edition_assets import editions_partitions

TIMEZONE = "Europe/Amsterdam"

monthly_cbs_refresh = dg.ScheduleDefinition(
    name="monthly_cbs_refresh",
    job=refresh_cbs_live,
    cron_schedule="0 7 2 * *",  # the 2nd of every month, 07:00: after CBS's monthly and quarterly releases settle
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Capture every CBS table afresh once a month; a successful refresh starts the build "
                "(sensor build_after_cbs_refresh).",
)


def annual_edition_schedule(edition_job) -> dg.ScheduleDefinition:
    @dg.schedule(name="annual_edition", job=edition_job, cron_schedule="0 7 1 12 *", execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="On 1 December, build the year's edition (its partition of publish_edition, cut-off "
                             "from data_contracts/registers/editions.yaml) and freeze it as output/editions/<year>/ "
                             "(`monitor edition publish <year>`, which also checks the warehouse first).")
    def annual_edition(context: dg.ScheduleEvaluationContext):
        year = str(context.scheduled_execution_time.year)
        if year not in editions_partitions.get_partition_keys():
            return dg.SkipReason(f"No edition {year} in data_contracts/registers/editions.yaml: add its record "
                                 "(edition, cutoff, note) in a reviewed commit to publish it.")
        return dg.RunRequest(run_key=f"edition-{year}", partition_key=year, tags={"monitor/edition": year})

    return annual_edition
