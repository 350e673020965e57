"""A description is written once, in the contract, and shown everywhere: the Dagster asset description and the
Columns table of the UI, the COMMENT ON of the published file (tests/test_sql_catalog.py)."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.core.errors import MonitorError
from pipelines.descriptions import column_schema, table_description
from pipelines.validation.contracts import load_contracts


def test_every_table_asset_is_described_by_its_contract():
    from pipelines.definitions import all_assets

    contracts = load_contracts()
    tables = [(key.to_user_string(), spec) for a in all_assets for key, spec in a.specs_by_key.items()
              if not key.to_user_string().startswith("publication__")]
    assert len(tables) > 20
    for name, spec in tables:
        assert spec.description == " ".join(str(contracts[name].description).split()), name


def test_columns_table_carries_the_contract_descriptions():
    schema = column_schema("mart__figures", [("indicator_id", "VARCHAR"), ("current_because", "VARCHAR")])
    described = {c.name: c.description for c in schema.columns}
    contract = {p["name"]: " ".join(p["description"].split()) for p in load_contracts()["mart__figures"].properties}
    assert described == {k: contract[k] for k in described} and all(described.values())


def test_a_table_without_a_contract_is_named():
    with pytest.raises(MonitorError, match="mart__nowhere has no description") as caught:
        table_description("mart__nowhere")
    assert "data_contracts/" in str(caught.value)


def test_built_tables_show_column_descriptions_in_the_ui(built):
    with dg.DagsterInstance.from_config(str(built.work / "dagster_home")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("mart__figures"))
    schema = event.asset_materialization.metadata["dagster/column_schema"].schema
    assert schema.columns and all(c.description for c in schema.columns)
