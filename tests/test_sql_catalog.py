"""The published database explains itself: every table, view and column has a description from the contracts,
and docs/analysts.md shows what the build really returns."""

import duckdb
import pytest

from pipelines.core.errors import PublishError
from pipelines.core.warehouse import export_database
from pipelines.definitions import warehouse_tables
from pipelines.publication.catalog import comment_statements
from pipelines.transform import analyst_docs
from pipelines.validation.contracts import load_contracts


def test_every_warehouse_table_has_a_described_contract():
    contracts = load_contracts()
    for table in warehouse_tables:
        assert table in contracts, f"{table} is published but has no contract in data_contracts/"
        contract = contracts[table]
        assert str(contract.description).strip(), f"{contract.file}: {table} has no description"
        for prop in contract.properties:
            assert str(prop.get("description") or "").strip(), f"{contract.file}: {table}.{prop['name']} has no description"


def test_a_table_without_a_contract_stops_the_export():
    with pytest.raises(PublishError) as err:
        comment_statements(["mart__figures", "mart__not_contracted"])
    assert "mart__not_contracted" in str(err.value) and "data_contracts/" in str(err.value)


def test_comments_are_generated_for_tables_views_and_columns():
    statements = comment_statements(["mart__figures"], ["mart__figures_current"])
    assert any(s.startswith('COMMENT ON TABLE "mart__figures" IS') for s in statements)
    assert any(s.startswith('COMMENT ON VIEW "mart__figures_current" IS') for s in statements)
    assert any(s.startswith('COMMENT ON COLUMN "mart__figures_current"."is_current" IS') for s in statements)


def test_export_refuses_an_undescribed_column_and_leaves_nothing(tmp_path):
    work = tmp_path / "work.duckdb"
    with duckdb.connect(str(work)) as con:
        con.execute("CREATE TABLE mart__x AS SELECT 1 AS described, 2 AS forgotten")
    target = tmp_path / "out" / "monitor.duckdb"
    with pytest.raises(PublishError) as err:
        export_database(work, target, ["mart__x"], comments=[
            "COMMENT ON TABLE mart__x IS 'x'", "COMMENT ON COLUMN mart__x.described IS 'd'"])
    assert "mart__x.forgotten" in str(err.value)
    assert list(target.parent.iterdir()) == [], "no partial or target file is left behind"


def test_export_keeps_views_as_views(tmp_path):
    work = tmp_path / "work.duckdb"
    with duckdb.connect(str(work)) as con:
        con.execute("CREATE TABLE mart__x AS SELECT 1 AS a")
    target = tmp_path / "monitor.duckdb"
    export_database(work, target, ["mart__x"], {"mart__y": "SELECT a FROM mart__x"}, comments=[
        "COMMENT ON TABLE mart__x IS 'x'", "COMMENT ON COLUMN mart__x.a IS 'a'",
        "COMMENT ON VIEW mart__y IS 'y'", "COMMENT ON COLUMN mart__y.a IS 'a'"])
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'mart__y'").fetchone()[0].startswith("CREATE VIEW")
        assert con.execute("SELECT a FROM mart__y").fetchall() == [(1,)]


@pytest.mark.slow
def test_every_published_table_view_and_column_has_a_comment(built):
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        objects = con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE database_name = current_database() "
            "AND NOT internal").fetchall()
        columns = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database()"
        ).fetchall()
    assert {name for name, _ in objects} == set(warehouse_tables)
    assert [name for name, comment in objects if not (comment or "").strip()] == []
    assert [f"{t}.{c}" for t, c, comment in columns if not (comment or "").strip()] == []
    assert len(columns) > 100


def test_analyst_docs_render_schema_and_results():
    con = duckdb.connect()
    con.execute("CREATE TABLE mart__x AS SELECT 1 AS a, 'p|q' AS b")
    con.execute("COMMENT ON TABLE mart__x IS 'the x'")
    con.execute("COMMENT ON COLUMN mart__x.a IS 'column a'")
    doc = ("<!-- schema -->\nold\n<!-- /schema -->\n\n```sql\nSELECT 1\n```\n\n```sql\nSELECT a, b FROM mart__x\n```\n\n"
           "<!-- result -->\nstale\n<!-- /result -->\n")
    out = analyst_docs.render(doc, con)
    assert "| mart__x | table | 1 | the x |" in out and "| a | INTEGER | column a |" in out
    assert "| 1 | p\\|q |" in out and "stale" not in out
    assert "```sql\nSELECT 1\n```\n\n```sql" in out, "a query without a result block is left alone"
    assert analyst_docs.render(out, con) == out


@pytest.mark.slow
def test_analyst_docs_are_current_with_the_build(built, capsys):
    code = analyst_docs.main(["--check", "--database", str(built.output / "monitor.duckdb")])
    assert code == 0, capsys.readouterr().err
