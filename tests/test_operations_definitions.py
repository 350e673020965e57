"""The code location an operator opens in `dagster dev` shows what operating the monitor needs, by name: the
schedules, the sensors, a freshness check per source, and the editions as partitions of their own job."""

import dagster as dg

from pipelines.definitions import defs
from pipelines.publication.editions import register_editions
from pipelines.transform.sql_models import observation_sources

EDITION_ASSETS = {"publication__edition_database", "publication__edition_report", "publication__edition"}


def test_schedules_and_sensors_by_name():
    repo = defs.get_repository_def()
    assert {s.name for s in repo.schedule_defs} == {"monthly_cbs_refresh", "annual_edition"}
    assert {s.name for s in repo.sensor_defs} == {"cbs_table_changes", "build_after_cbs_refresh", "report_failed_runs"}
    assert next(s for s in repo.schedule_defs if s.name == "annual_edition").job_name == "publish_edition"


def test_every_source_has_a_non_blocking_freshness_check():
    graph = defs.resolve_asset_graph()
    freshness = {k.asset_key.to_user_string(): graph.get_check_spec(k) for k in graph.asset_check_keys
                 if k.name == "freshness"}
    assert set(freshness) == {f"raw_{s}__observations" for s in observation_sources()}
    assert not any(spec.blocking for spec in freshness.values()), "a late producer never stops the build"
    for raw, spec in freshness.items():
        staging = dg.AssetKey(raw.replace("raw_", "stg_", 1))
        assert staging in {dep.asset_key for dep in spec.additional_deps}, "judged from the staging table"


def test_editions_are_partitions_of_their_own_job():
    repo = defs.get_repository_def()
    job = repo.get_job("publish_edition")
    keys = [e.edition for e in register_editions()]
    assert keys and job.partitions_def.get_partition_keys() == keys
    graph = defs.resolve_asset_graph()
    for name in EDITION_ASSETS:
        assert graph.get(dg.AssetKey(name)).partitions_def.get_partition_keys() == keys, name
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == EDITION_ASSETS
    build = {k.to_user_string() for k in repo.get_job("build_monitor").asset_layer.executable_asset_keys}
    assert "publication__release" in build and not build & EDITION_ASSETS, "the regular build stays unpartitioned"
    assert graph.get(dg.AssetKey("publication__edition_database")).partitions_def is not None
