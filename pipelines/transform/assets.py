"""Dagster assets for the SQL models."""


import hashlib

import dagster as dg

from pipelines import policy
from pipelines.core.warehouse_backends import create_macros, in_transaction
from pipelines.descriptions import column_schema, table_description
from pipelines.resources import WarehouseResource
from pipelines.transform.sql_models import SqlModel, dependency_graph, discover, macro_statements

_GROUP = {"staging": policy.GROUP_STAGING, "marts": policy.GROUP_MARTS}


def drop_other_kind(con, name: str, kind: str) -> None:
    """Drop ``name`` when the warehouse holds it as the other kind (a table where the model is now a view, or the
    reverse): ``CREATE OR REPLACE`` does not replace a table by a view."""
    other = "TABLE" if kind == "VIEW" else "VIEW"
    held = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ? "
                       "AND table_type = ?", [name, "BASE TABLE" if other == "TABLE" else "VIEW"]).fetchone()[0]
    if held:
        con.execute(f'DROP {other} "{name}"')


def _model_asset(model: SqlModel, deps: tuple[str, ...]) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        group_name=_GROUP[model.layer],
        deps=list(deps),
        pool=policy.WAREHOUSE_POOL,
        kinds={"duckdb", "sql"},
        description=table_description(model.name),
        # The SQL text (and the macros it calls) is the code version: Dagster marks the table unsynced when it changes.
        code_version=hashlib.sha256("\n".join([model.sql, *macro_statements(model.macros)]).encode()).hexdigest()[:16],
    )
    def _materialize(warehouse: WarehouseResource) -> dg.MaterializeResult:
        kind = "VIEW" if model.materialized == "view" else "TABLE"
        def write(con) -> None:
            create_macros(con, macro_statements(model.macros))  # only a missing or changed one
            drop_other_kind(con, model.name, kind)
            con.execute(f'CREATE OR REPLACE {kind} "{model.name}" AS\n{model.sql}')

        with warehouse.connect() as con:
            in_transaction(con, lambda: write(con))  # one transaction; a DuckLake write conflict is tried again
            rows = con.execute(f'SELECT count(*) FROM "{model.name}"').fetchone()[0]
            columns = con.execute(f'SELECT column_name, column_type FROM (DESCRIBE "{model.name}")').fetchall()
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(rows),
                "dagster/column_schema": column_schema(model.name, columns),
                "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"),
                "file": dg.MetadataValue.path(model.rel_path),
            }
        )

    return _materialize


def sql_model_assets(raw_tables: set[str]) -> list[dg.AssetsDefinition]:
    models = discover()
    graph = dependency_graph(models, raw_tables)
    return [_model_asset(m, graph[m.name]) for m in models]
