"""`monitor build` records its runs in the checkout's Dagster home, which it creates with the shipped dagster.yaml."""

from __future__ import annotations

import dagster as dg
import yaml

from pipelines.operations.instance import SHIPPED_CONFIG, dagster_home


def test_build_creates_the_dagster_home_and_records_its_run(built):
    home = built.work / "dagster_home"
    assert (home / "dagster.yaml").read_text() == SHIPPED_CONFIG.read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="build_monitor"))
        # the fixture's first build succeeded (tests that reuse its directories may add failed ones after it)
        assert runs and runs[-1].status == dg.DagsterRunStatus.SUCCESS


def test_shipped_config_turns_telemetry_off_and_limits_the_warehouse_pool(tmp_path):
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    assert config["telemetry"]["enabled"] is False
    assert config["concurrency"]["pools"]["default_limit"] == 1
    home = dagster_home(tmp_path)
    (home / "dagster.yaml").write_text("telemetry: {enabled: true}\n")  # an out-of-date copy is brought in step
    assert dagster_home(tmp_path) == home and (home / "dagster.yaml").read_text() == SHIPPED_CONFIG.read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:  # a valid instance configuration
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_runs_left_unfinished_by_a_killed_command_are_marked_failed(tmp_path):
    from pipelines.cli.runner import CLI_TAG, _end_abandoned_runs

    @dg.op
    def noop():
        pass

    @dg.job
    def some_job():
        noop()

    with dg.DagsterInstance.from_config(str(dagster_home(tmp_path))) as instance:
        ours = instance.create_run_for_job(some_job, tags={CLI_TAG: "true"})
        theirs = instance.create_run_for_job(some_job)  # started elsewhere (the UI): not ours to end
        for run in (ours, theirs):
            instance.handle_run_event(run.run_id, dg.DagsterEvent(
                event_type_value="PIPELINE_START", job_name=run.job_name, message="started"))
        assert instance.get_run_by_id(ours.run_id).status == dg.DagsterRunStatus.STARTED
        _end_abandoned_runs(instance)
        assert instance.get_run_by_id(ours.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(theirs.run_id).status == dg.DagsterRunStatus.STARTED
