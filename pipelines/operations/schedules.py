"""Schedules: the monthly live refresh and the annual edition. Both are off until an operator turns them on
(`dagster dev` here has no network; a deployment switches them on in the UI or with `dagster schedule start`)."""

from __future__ import annotations

import dagster as dg

from pipelines.operations.jobs import refresh_cbs_live

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


def annual_edition_schedule(build_job) -> dg.ScheduleDefinition:
    @dg.schedule(name="annual_edition", job=build_job, cron_schedule="0 7 1 12 *", execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="On 1 December, build and freeze the year's edition as output/editions/<year>/ "
                             "(`monitor edition publish <year>`).")
    def annual_edition(context: dg.ScheduleEvaluationContext):
        year = str(context.scheduled_execution_time.year)
        return dg.RunRequest(run_key=f"edition-{year}", run_config={"resources": {"publication": {"config": {"edition": year}}}},
                             tags={"monitor/edition": year})

    return annual_edition
