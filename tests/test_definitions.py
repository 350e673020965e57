"""The Dagster code location loads, and its graph is the one the architecture describes."""

import re

import dagster as dg

from pipelines.definitions import defs
from pipelines.transform.sql_models import discover, table_references
from pipelines.validation.contracts import load_contracts


def _graph():
    return defs.resolve_asset_graph()


def test_definitions_load():
    keys = {k.to_user_string() for k in _graph().get_all_asset_keys()}
    assert {"raw_snapshots__origins", "raw_cbs__observations", "raw_wagweu__observations",
            "stg_cbs__observations", "mart__labour_market_tension", "mart__posted_workers",
            "publication__database", "publication__report", "publication__release"} <= keys


def test_every_contract_has_its_table_and_a_blocking_check():
    graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    specs = [graph.get_check_spec(k) for k in graph.asset_check_keys]
    checks = {spec.asset_key.to_user_string(): spec for spec in specs if spec.name == "contract"}
    for table in load_contracts():
        assert table in keys, f"contract for {table}, which no asset produces"
        assert table in checks, f"no contract check on {table}"
        assert checks[table].blocking


def test_asset_names_follow_the_layer_convention():
    convention = re.compile(r"^((raw|stg)_[a-z0-9]+|mart|publication)__[a-z0-9_]+$")
    for key in _graph().get_all_asset_keys():
        assert convention.match(key.to_user_string()), key.to_user_string()


def test_sql_dependencies_come_from_the_sql():
    graph = _graph()
    for model in discover():
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(model.name)).parent_keys}
        assert parents == set(model.references), model.name


def test_table_references_ignore_ctes():
    sql = "WITH a AS (SELECT * FROM raw_x__y) SELECT * FROM a JOIN stg_x__z USING (k)"
    assert table_references(sql) == ("raw_x__y", "stg_x__z")


def test_release_is_downstream_of_every_table():
    graph = _graph()
    upstream = {k.to_user_string() for k in graph.upstream_key_iterator(dg.AssetKey("publication__release"))}
    tables = {m.name for m in discover()} | {"raw_cbs__observations", "raw_wagweu__observations", "raw_snapshots__origins"}
    assert tables <= upstream


def test_dagster_cli_validates_the_code_location():
    """What `dagster dev` loads: the module named in pyproject's [tool.dagster]."""
    import subprocess
    import sys
    from pathlib import Path

    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run([str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful" in result.stderr + result.stdout
