"""The SQL layer: models are parsed from sql/, their dependency graph is the expected one, and they run on the
shipped snapshots (the session build)."""

from pathlib import Path

import duckdb
import pytest

from pipelines.core.errors import MonitorError
from pipelines.definitions import sql_inputs
from pipelines.transform.sql_models import (_parse_file, build_order, dependency_graph, discover, discover_macros,
                                             macro_statements, table_references)
from tests.conftest import SNAPSHOTS

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


# --- parsing -------------------------------------------------------------------------------------------------

def test_references_follow_joins_subqueries_and_set_operations_but_not_ctes():
    sql = """
        WITH recent AS (SELECT * FROM stg_a__x WHERE period_start > DATE '2020-01-01')
        SELECT r.*, o.licence FROM recent r
        JOIN raw_snapshots__origins o USING (snapshot_id)
        WHERE EXISTS (SELECT 1 FROM mart__y y WHERE y.k = r.k)
        UNION ALL BY NAME SELECT * FROM (SELECT * FROM stg_b__x)
    """
    assert table_references(sql) == ("mart__y", "raw_snapshots__origins", "stg_a__x", "stg_b__x")


def test_row_generators_are_allowed():
    assert table_references("SELECT * FROM range(3) r JOIN mart__x USING (i)") == ("mart__x",)


@pytest.mark.parametrize("sql, says", [
    ("SELECT * FROM read_csv('data/snapshots/cbs/x.csv')", "table function"),
    ("SELECT * FROM other_db.main.mart__x", "another database"),
    ("SELECT * FROM staging.mart__x", "another database or schema"),
])
def test_models_cannot_read_around_the_snapshots(sql, says):
    with pytest.raises(MonitorError) as err:
        table_references(sql, "sql/marts/mart__bad.sql")
    assert says in str(err.value) and "sql/marts/mart__bad.sql" in str(err.value)


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "CREATE TABLE t AS SELECT 1", "DELETE FROM mart__x"])
def test_a_model_is_exactly_one_select(sql):
    with pytest.raises(MonitorError, match="must be one SELECT"):
        table_references(sql, "sql/marts/mart__bad.sql")


def test_unparseable_sql_names_the_file():
    with pytest.raises(MonitorError, match="mart__bad.sql does not parse"):
        table_references("SELECT FROM WHERE (", "sql/marts/mart__bad.sql")


def _models(tmp_path, files: dict[str, str]):
    for rel, sql in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    (tmp_path / "staging").mkdir(exist_ok=True)
    (tmp_path / "marts").mkdir(exist_ok=True)
    return discover.__wrapped__(tmp_path)


def test_unknown_tables_are_rejected_with_the_file_named(tmp_path):
    models = _models(tmp_path, {"marts/mart__a.sql": "SELECT * FROM stg_nosuch__observations"})
    with pytest.raises(MonitorError) as err:
        dependency_graph(models, {"raw_cbs__observations"})
    assert "stg_nosuch__observations" in str(err.value) and "sql/marts/mart__a.sql" in str(err.value)


def test_cycles_are_rejected(tmp_path):
    models = _models(tmp_path, {"marts/mart__a.sql": "SELECT * FROM mart__b", "marts/mart__b.sql": "SELECT * FROM mart__a"})
    with pytest.raises(MonitorError, match="cycle") as err:
        dependency_graph(models, set())
    assert "mart__a -> mart__b -> mart__a" in str(err.value)


def test_build_order_puts_every_model_after_what_it_reads():
    graph = dependency_graph(discover(), sql_inputs)
    order = build_order(graph)
    assert sorted(order) == sorted(graph)
    for model, refs in graph.items():
        assert all(order.index(r) < order.index(model) for r in refs if r in graph), model


def test_build_order_from_roots_holds_only_what_they_read():
    graph = {"mart__a": ("stg_x",), "stg_x": ("raw_x",), "mart__b": ("mart__a", "stg_y"), "stg_y": ("raw_y",),
             "mart__c": ("stg_y",)}
    assert build_order(graph, roots=["mart__b"]) == ["stg_x", "mart__a", "stg_y", "mart__b"]  # not mart__c
    assert build_order(graph, roots=["stg_y"]) == ["stg_y"]


def test_header_sets_materialization():
    models = {m.name: m for m in discover()}
    assert models["mart__figures_current"].materialized == "view"
    assert models["mart__current_figure_keys"].materialized == "table"


def test_header_sets_how_a_view_is_published():
    """The view analysts query most, which joins, is stored in the published database; the others stay views."""
    models = {m.name: m for m in discover()}
    assert (models["mart__figures"].materialized, models["mart__figures"].published) == ("view", "table")
    assert (models["mart__figures_current"].materialized, models["mart__figures_current"].published) == ("view", "view")
    assert (models["mart__observations"].materialized, models["mart__observations"].published) == ("view", "view")
    assert models["mart__current_figure_keys"].published == "table"


@pytest.mark.parametrize("header", ["-- published: parquet", "-- materialized: table\n-- published: view"])
def test_bad_published_header_is_refused_naming_the_file(tmp_path, header):
    marts = tmp_path / "sql" / "marts"
    marts.mkdir(parents=True)
    (tmp_path / "sql" / "macros").mkdir()
    path = marts / "mart__x.sql"
    path.write_text(header + "\nSELECT 1 AS a\n", encoding="utf-8")
    with pytest.raises(MonitorError) as err:
        _parse_file(path, "marts")
    assert err.value.problems[0].file == "sql/marts/mart__x.sql"
    assert err.value.problems[0].field == "published"


def test_every_observation_is_stored_once_in_a_table():
    """The rows of the observation shape are stored in the raw tables only: staging, mart__observations and the
    wide mart__figures are views, and the one table the current-figure rule writes is narrow."""
    models = {m.name: m for m in discover()}
    from pipelines.sources import source_names

    for name in [*(f"stg_{s}__observations" for s in source_names()), "mart__observations", "mart__figures"]:
        assert models[name].materialized == "view", name
    con = duckdb.connect()
    for statement in macro_statements([m.name for m in discover_macros()]):
        con.execute(statement)
    con.execute("CREATE TABLE mart__observations AS SELECT * FROM (SELECT NULL::VARCHAR AS " +
                ", NULL::VARCHAR AS ".join(["source_id", "dataset_id", "indicator_id", "breakdown", "period_code",
                                            "vintage", "url", "snapshot_id", "confidence", "published"]) +
                ", NULL::INTEGER AS source_row, NULL::DOUBLE AS value) WHERE false")
    con.execute("CREATE TABLE raw_monitor__indicators (indicator_id VARCHAR, concept_id VARCHAR)")
    con.execute("CREATE TABLE raw_monitor__revisions (indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, "
                "kind VARCHAR, superseded_snapshot_id VARCHAR, superseded_value DOUBLE, current_snapshot_id VARCHAR, "
                "current_value DOUBLE, note VARCHAR, register_row INTEGER)")
    columns = [d[0] for d in con.execute(models["mart__current_figure_keys"].sql + " LIMIT 0").description]
    assert len(columns) == 8 and columns[-1] == "current_because"


def test_a_description_header_is_refused(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "macros").mkdir()
    (tmp_path / "marts" / "mart__x.sql").write_text("-- description: a second text\nSELECT 1 AS one")
    with pytest.raises(MonitorError, match="the description belongs in the data contract") as caught:
        discover(tmp_path)
    assert "sql/marts/mart__x.sql" in str(caught.value)


# --- the graph derived from sql/ ------------------------------------------------------------------------------

EXPECTED_EDGES = {
    "stg_cbs__observations": {"raw_cbs__observations"},
    "stg_wagweu__observations": {"raw_wagweu__observations"},
    "mart__current_figure_keys": {"mart__observations", "raw_monitor__indicators", "raw_monitor__revisions"},
    "mart__figures": {"mart__observations", "mart__current_figure_keys", "raw_snapshots__origins", "raw_monitor__indicators"},
    "mart__figures_current": {"mart__figures"},
    "mart__annual_figures": {"mart__figures_current"},
    "mart__posted_workers": {"mart__annual_figures"},
    "mart__labour_market_tension": {"stg_cbs__observations"},
}


def test_dependency_graph_matches_expectations():
    graph = dependency_graph(discover(), sql_inputs)
    for model, parents in EXPECTED_EDGES.items():
        assert set(graph[model]) == parents, model
    # mart__observations is the union of every source's staging table, made from the source folders
    from pipelines.sources import source_names

    assert set(graph["mart__observations"]) == {f"stg_{s}__observations" for s in source_names()}
    assert all(ref.startswith("stg_") for ref in graph["mart__observations"])


def test_data_flows_one_way():
    """Staging reads its own source's raw tables; marts read staging and marts, never a source's raw table (the
    reviewed registers raw_monitor__* and the snapshot origins are not sources' tables)."""
    for model in discover():
        for ref in model.references:
            if model.layer == "staging":
                source = model.name.split("__")[0].removeprefix("stg_")
                assert ref.startswith(f"raw_{source}__"), f"{model.rel_path} reads {ref}"
            else:
                assert ref.startswith(("stg_", "mart__", "raw_monitor__")) or ref == "raw_snapshots__origins", f"{model.rel_path} reads {ref}"


# --- the current-figure rule of mart__figures, on a small hand-made warehouse -----------------------------------

def _figures(rows: list[tuple], concepts: list[tuple] = (), revisions: list[tuple] = (), columns: str = "") -> list[tuple]:
    """Run sql/marts/mart__current_figure_keys.sql and mart__figures.sql (and their macros) over observations (indicator, period, vintage, confidence,
    value, snapshot[, published, unit, from_snapshot_document]); ``concepts``: register rows (indicator, concept,
    concept_unit, factor); ``revisions``: (indicator, period, superseded snapshot, value, current snapshot, value)."""
    sql = (SQL_DIR / "marts" / "mart__figures.sql").read_text(encoding="utf-8")
    keys = (SQL_DIR / "marts" / "mart__current_figure_keys.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    for statement in macro_statements([m.name for m in discover_macros()]):
        con.execute(statement)
    con.execute("""CREATE TABLE raw_snapshots__origins AS SELECT * FROM (VALUES
        ('s1', 'h1', 'u1', 'T1', 'cite s1', 'CC BY 4.0', '2026-11'),
        ('s2', 'h2', 'u2', 'T2', 'cite s2', 'CC BY 4.0', '2026-11'))
        t(snapshot_id, sha256, url, title, citation, licence, retrieved)""")
    con.execute("CREATE TABLE raw_monitor__indicators (indicator_id VARCHAR, concept_id VARCHAR, concept_unit VARCHAR, "
                "concept_unit_factor DOUBLE)")
    if concepts:
        con.executemany("INSERT INTO raw_monitor__indicators VALUES (?, ?, ?, ?)", list(concepts))
    con.execute("CREATE TABLE raw_monitor__revisions (indicator_id VARCHAR, breakdown VARCHAR, period_code VARCHAR, "
                "kind VARCHAR, superseded_snapshot_id VARCHAR, superseded_value DOUBLE, current_snapshot_id VARCHAR, "
                "current_value DOUBLE, note VARCHAR, register_row INTEGER)")
    if revisions:
        con.executemany("INSERT INTO raw_monitor__revisions VALUES (?, '', ?, 'misprint_in_source', ?, ?, ?, ?, 'a note', 1)",
                        list(revisions))
    full = [tuple(r) + (r[2], "personen", r[5] == "s1")[len(r) - 6:] for r in rows]
    con.execute("""CREATE TABLE mart__observations AS SELECT
        i AS indicator_id, '' AS breakdown, p AS period_code, v AS vintage, c AS confidence, x::DOUBLE AS value, s AS snapshot_id,
        'h' || substr(s, 2) AS snapshot_sha256, row_number() OVER () :: INTEGER AS source_row,
        NULL AS measure_label, u AS unit, '{}' AS dimension_labels, 'year' AS period_type,
        NULL::DATE AS period_start, NULL::DATE AS period_end, NULL AS period_label, NULL AS value_qualifier,
        NULL::DOUBLE AS value_lower, NULL::DOUBLE AS value_upper, NULL::INTEGER AS decimals, 'published' AS status,
        'src' AS source_id, 'ds' AS dataset_id, 'P' AS publisher,
        CASE s WHEN 's1' THEN 'T1' ELSE 'Other document' END AS document_title,
        CASE s WHEN 's1' THEN 'u1' ELSE 'https://example.org/doc' END AS url,
        NULL AS locator, pub AS published, NULL AS quote, 'transcription' AS how_obtained, i AS measure, '{}' AS dimensions,
        own AS from_snapshot_document
        FROM (VALUES """ + ", ".join(str(r) for r in full) + ") t(i, p, v, c, x, s, pub, u, own)")
    con.execute(f"CREATE TABLE mart__current_figure_keys AS {keys}")
    return con.execute(f"SELECT indicator_id, vintage_stated, confidence, value, is_current, citation, current_because"
                       f"{columns} FROM ({sql}) ORDER BY indicator_id, vintage_stated, confidence, value").fetchall()


def _current(rows):
    return [(r[0], r[3], r[6].split(":")[0]) for r in rows if r[4]]


def test_current_is_the_newest_dated_vintage_within_one_confidence():
    rows = _figures([("a", "2024", "2024-02-01", "primary", 105.0, "s1"), ("a", "2024", "2024-05-01", "primary", 106.0, "s1")])
    assert [(r[1], r[4]) for r in rows] == [("2024-02-01", False), ("2024-05-01", True)]
    assert _current(rows) == [("a", 106.0, "newest_vintage")]


def test_vintages_compare_as_dates_not_text():
    """'2024' sorts before '2024-02-01' as text; as dates a year vintage is its first day and a finer one wins."""
    rows = _figures([("a", "2024", "2023-12", "primary", 1.0, "s1"), ("a", "2024", "2024", "primary", 2.0, "s1")])
    assert _current(rows) == [("a", 2.0, "newest_vintage")]


def test_primary_beats_a_newer_secondary_report():
    """Defect 8: the Adviesraad blog (2023, secondary) beat SEO's own page (2022, primary) for SEO's estimate."""
    rows = _figures([("a", "2019", "2022-06", "primary", 735000.0, "s1"), ("a", "2019", "2023-03", "secondary", 767571.0, "s2")])
    assert _current(rows) == [("a", 735000.0, "higher_confidence")]


def test_a_citation_only_figure_never_beats_a_source():
    rows = _figures([("a", "2024", "2025-07-01", "primary", 27304.0, "s1"), ("a", "2024", "2025-10-01", "cited_only", 27300.0, "s2")])
    assert [r[3] for r in rows if r[4]] == [27304.0]
    alone = _figures([("b", "2024", "2025-10-01", "cited_only", 102410.0, "s2")])
    assert _current(alone) == [("b", 102410.0, "only_figure")], "a citation is current when nothing better exists"


def test_undated_never_beats_dated():
    """Defect 8: an undated page carried the collection month (2026-11) as vintage and so always won."""
    rows = _figures([("a", "2024", "2026-11", "primary", 9.0, "s2", "ongedateerd"),
                     ("a", "2024", "2021-05-11", "primary", 8.0, "s1")])
    assert _current(rows) == [("a", 8.0, "dated_beats_undated")]


def test_an_acknowledged_misprint_is_never_current():
    """Defect 1: 4,655 (Jaarverslag 2023, newest) is a misprint of 3,655 (Jaarverslag 2020)."""
    obs = [("ongevalsmeldingen", "2020JJ00", "2021-05-11", "primary", 3655.0, "s1"),
           ("ongevalsmeldingen", "2020JJ00", "2024-03-27", "primary", 4655.0, "s2")]
    assert _current(_figures(obs)) == [("ongevalsmeldingen", 4655.0, "newest_vintage")]
    rows = _figures(obs, revisions=[("ongevalsmeldingen", "2020JJ00", "s2", 4655.0, "s1", 3655.0)])
    assert _current(rows) == [("ongevalsmeldingen", 3655.0, "acknowledged_revision")]
    # an entry whose values no longer match the data decides nothing
    stale = _figures(obs, revisions=[("ongevalsmeldingen", "2020JJ00", "s2", 4656.0, "s1", 3655.0)])
    assert _current(stale) == [("ongevalsmeldingen", 4655.0, "newest_vintage")]


def test_ids_of_one_concept_compete_in_the_concept_unit():
    """Defect 4: 449,000 (first estimate, news, id openstaande_vacatures) was current while 84545NED holds 445.3
    thousand (id vacatures_openstaand_sa) for the same quantity."""
    obs = [("openstaande_vacatures", "2022KW03", "2022-11-15", "secondary", 449000.0, "s2", "2022-11-15", "vacatures"),
           ("vacatures_openstaand_sa", "2022KW03", "2024-05-15", "primary", 445.3, "s1", "2024-05-15", "x 1 000")]
    concepts = [("openstaande_vacatures", "vacatures_openstaand_sa", "vacatures", 1.0),
                ("vacatures_openstaand_sa", "vacatures_openstaand_sa", "vacatures", 1000.0)]
    separate = _figures(obs)
    assert sum(r[4] for r in separate) == 2, "without the register each id has its own current figure"
    rows = _figures(obs, concepts, columns=", concept_id, concept_value")
    assert _current(rows) == [("vacatures_openstaand_sa", 445.3, "higher_confidence")]
    assert {r[0]: (r[7], r[8]) for r in rows} == {"openstaande_vacatures": ("vacatures_openstaand_sa", 449000.0),
                                                  "vacatures_openstaand_sa": ("vacatures_openstaand_sa", 445300.0)}


def test_citation_comes_from_the_readers_flag_not_from_matching_text():
    """Issue 11 item 3: the snapshot's citation applies when the reader says the row is from the snapshot's own
    document; a row that happens to repeat the sidecar's URL and title but comes from a list of documents does not."""
    rows = _figures([("a", "2024", "2024-05-01", "primary", 2.0, "s1", "2024-05-01", "personen", False),
                     ("b", "2024", "2024-05-01", "secondary", 1.0, "s2", "2024-05-01", "personen", True),
                     ("c", "2024", "2026-11", "secondary", 1.0, "s2", "ongedateerd", "personen", False)])
    citations = {r[0]: r[5] for r in rows}
    assert citations["a"] == "P (2024-05-01). T1. u1"  # same URL and title as the sidecar, but the reader says: own row
    assert citations["b"] == "cite s2"
    assert citations["c"] == "P (z.d.). Other document. https://example.org/doc"


# --- the models on the shipped snapshots (session build) -------------------------------------------------------

@pytest.mark.slow
def test_every_model_is_published_non_empty_as_declared(built):
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        for model in discover():
            assert kinds.get(model.name) == ("VIEW" if model.published == "view" else "BASE TABLE"), model.name
            rows = con.execute(f'SELECT count(*) FROM "{model.name}"').fetchone()[0]
            if model.name == "mart__edition_changes" and _editions(con) < 2:
                assert rows == 0, "with one edition there is no previous edition to compare with"
            else:
                assert rows > 0, model.name


def _editions(con) -> int:
    return con.execute("SELECT count(*) FROM raw_monitor__editions").fetchone()[0]


@pytest.mark.slow
def test_edition_changes_are_what_edition_2026_knew_and_edition_2025_could_not(built):
    """The register holds editions 2025 (cut-off 2025-12-31) and 2026 (2026-11-30); every shipped snapshot was
    retrieved in November 2026, so what changed from 2025 to 2026 is exactly the figures 2025 could not know:
    undated ones (known from their retrieval) or published after its cut-off. Nothing 2025 held is gone."""
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        editions = con.execute("SELECT edition, cutoff FROM raw_monitor__editions ORDER BY cutoff").fetchall()
        assert [e for e, _ in editions] == ["2025", "2026"]
        cutoff = editions[0][1]
        rows = con.execute("SELECT edition, previous_edition, change, previous_value, value, vintage, "
                           "in_newest_edition FROM mart__edition_changes").fetchall()
        keys = "concept_id, breakdown, period_code"
        new_keys = con.execute(f"SELECT count(*) FROM (SELECT {keys} FROM mart__edition_figures WHERE edition = '2026' "
                               f"EXCEPT SELECT {keys} FROM mart__edition_figures WHERE edition = '2025')").fetchone()[0]
        revised = con.execute(f"SELECT count(*) FROM mart__edition_figures n JOIN mart__edition_figures o USING ({keys}) "
                              "WHERE n.edition = '2026' AND o.edition = '2025' AND n.value IS DISTINCT FROM o.value"
                              ).fetchone()[0]
    assert rows, "edition 2026 knew figures that edition 2025 did not"
    assert {(r[0], r[1], r[6]) for r in rows} == {("2026", "2025", True)}
    kinds = [r[2] for r in rows]
    assert "removed" not in kinds, "every figure edition 2025 held is held by edition 2026"
    assert sum(k in ("added", "new_period") for k in kinds) == new_keys > 0
    assert kinds.count("revised") == revised
    assert all(vintage is None or vintage > cutoff for *_, vintage, _ in rows), \
        "each change is a figure edition 2025 could not know on its cut-off"


@pytest.mark.slow
def test_central_mart_holds_every_observation_once_with_its_origin(built):
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        observations = con.execute("SELECT count(*) FROM mart__observations").fetchone()[0]
        figures, current, keys, uncited = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_current), "
            "count(DISTINCT (concept_id, breakdown, period_code)), "
            "count(*) FILTER (WHERE licence IS NULL OR citation IS NULL) FROM mart__figures").fetchone()
        view_rows = con.execute("SELECT count(*) FROM mart__figures_current").fetchone()[0]
    assert figures == observations and current == keys == view_rows and uncited == 0


@pytest.mark.slow
def test_posted_workers_2024_answers_with_its_source(built):
    """An analyst's first question: one query gives the figure and where it comes from."""
    source = SNAPSHOTS / "wagweu/kamerstuk_29861_162/derdelanders_meldloket_2021_2024.csv"
    expected = next(line for line in source.read_text(encoding="utf-8").splitlines() if ",2024," in line)
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT value, citation, url, quote, snapshot_id, source_row FROM mart__posted_workers "
                           "WHERE year = 2024 AND indicator_id = 'derdelanders_ten_minste_1_dag_werkzaam_volgens_meldloket'"
                           ).fetchall()
    assert len(rows) == 1
    value, citation, url, quote, snapshot_id, source_row = rows[0]
    assert f",{value:.0f}," in expected and url in expected and quote in expected
    assert "Kamerstuk 29 861, nr. 162" in citation
    assert snapshot_id == source.relative_to(SNAPSHOTS).as_posix() and source_row == 4


def test_enforcement_by_year_holds_the_shutdowns_and_warnings_the_advice_cites(built):
    """17 shutdowns and 231 warnings in 2024: held (as the SER advice cites them) with their origin."""
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        rows = dict(con.execute(
            "SELECT indicator_id, value FROM mart__enforcement_by_year WHERE year = 2024 AND indicator_id LIKE 'stilleggingen%'"
        ).fetchall())
        sources = {s for (s,) in con.execute("SELECT DISTINCT source_id FROM mart__enforcement_by_year").fetchall()}
    assert rows == {"stilleggingen_feitelijke_sluitingen": 17, "stilleggingen_waarschuwingen": 231}
    assert sources == {"arbeidsinspectie"}


def test_labour_immigration_by_motive_and_origin_equals_the_snapshots(built):
    """Persons per year, origin and motive, traced to the transcribed CBS table and news release."""
    import csv
    import io

    news = SNAPSHOTS / "cbs/nieuws_2020_30/eu_efta_immigranten_afgeleid_migratiedoel_1999_2018.csv"
    rows = {r["JaarVanImmigratie"]: r for r in csv.DictReader(io.StringIO(news.read_text(encoding="utf-8")))}
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        got = dict(((y, o, m), p) for y, o, m, p in con.execute(
            "SELECT year, origin, motive, persons FROM mart__labour_immigration").fetchall())
    assert got[(2018, "niet-EU/EFTA", "arbeid")] == 17620  # 84809NED, 'Arbeid: totaal', stays >= 1 year
    assert got[(2018, "EU/EFTA", "arbeid")] == round(float(rows["2018JJ00"]["arbeid_x1000"]) * 1000)


def test_shared_cleaning_is_written_once_as_macros():
    """Staging models call the macros of sql/macros/ instead of repeating the cleaning."""
    from pipelines.transform.sql_models import discover_macros

    macros = {m.name for m in discover_macros()}
    assert {"monitor_status", "monitor_qualifier", "monitor_text"} <= macros
    staging = [m for m in discover() if m.layer == "staging" and m.name.endswith("__observations")]
    assert staging and all("monitor_status" in m.macros for m in staging)
    assert all("CASE lower(trim(status))" not in m.sql for m in staging)


def test_macro_file_must_define_the_macro_it_is_named_after(tmp_path):
    from pipelines.transform.sql_models import discover_macros

    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "monitor_x.sql").write_text("CREATE OR REPLACE MACRO monitor_y(a) AS a + 1\n")
    with pytest.raises(MonitorError, match="sql/macros/monitor_x.sql must be one CREATE OR REPLACE MACRO monitor_x"):
        discover_macros.__wrapped__(tmp_path)


def test_macros_behave_as_the_staging_layer_needs():
    from pipelines.transform.sql_models import macro_statements

    with duckdb.connect(":memory:") as con:
        for statement in macro_statements(["monitor_status", "monitor_qualifier", "monitor_text"]):
            con.execute(statement)
        got = con.execute("SELECT monitor_status(' Voorlopig '), monitor_status('raming'), monitor_status('published'), "
                          "monitor_qualifier('Zo’n'), monitor_qualifier('  '), monitor_text('  ')").fetchone()
    assert got == ("provisional", "projection", "published", "zo'n", None, None)


def test_tension_compares_vintages_as_dates():
    """Defect 11: '2022' >= '2022-02-15' is false as text; a year vintage that spans the EBB change cannot say its
    method (NULL), a day vintage after it can."""
    sql = (SQL_DIR / "marts" / "mart__labour_market_tension.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    for statement in macro_statements([m.name for m in discover_macros()]):
        con.execute(statement)
    con.execute("""CREATE TABLE stg_cbs__observations AS SELECT * FROM (VALUES
        ('vacatures_openstaand_sa', '2021KW04', DATE '2021-10-01', '2022-05-15', '2022-05-15', 391.8, 'cbs/a', 'definitive'),
        ('werkloze_beroepsbevolking_sa', '2021KW04', DATE '2021-10-01', '2022', '2022', 370.0, 'cbs/b', 'definitive'),
        ('werkloze_beroepsbevolking_sa', '2021KW04', DATE '2021-10-01', '2022-08-16', '2022-08-16', 372.0, 'cbs/c', 'definitive'))
        t(indicator_id, period_code, period_start, vintage, published, value, snapshot_id, status)""")
    con.execute("ALTER TABLE stg_cbs__observations ADD COLUMN breakdown VARCHAR DEFAULT ''")
    con.execute("ALTER TABLE stg_cbs__observations ADD COLUMN period_type VARCHAR DEFAULT 'quarter'")
    rows = con.execute(f"SELECT as_of::VARCHAR, unemployed_vintage::VARCHAR, unemployed_new_ebb_method FROM ({sql}) ORDER BY as_of").fetchall()
    # as of 2022-05-15 the unemployment figure known is the one dated '2022' (a year: first day 2022-01-01)
    assert rows == [("2022-05-15", "2022-01-01", None), ("2022-08-16", "2022-08-16", True)]


def test_a_model_that_changed_kind_replaces_the_old_object():
    """A warehouse built before a model became a view (or a table) holds the other kind; the model asset drops it,
    since CREATE OR REPLACE VIEW does not replace a table."""
    from pipelines.transform.assets import drop_other_kind

    con = duckdb.connect()
    con.execute("CREATE TABLE stg_x__observations AS SELECT 1 AS one")
    with pytest.raises(duckdb.Error):
        con.execute("CREATE OR REPLACE VIEW stg_x__observations AS SELECT 2 AS one")
    drop_other_kind(con, "stg_x__observations", "VIEW")
    con.execute("CREATE OR REPLACE VIEW stg_x__observations AS SELECT 2 AS one")
    drop_other_kind(con, "stg_x__observations", "VIEW")  # already a view: kept
    assert con.execute("SELECT table_type FROM information_schema.tables").fetchall() == [("VIEW",)]
    drop_other_kind(con, "stg_x__observations", "TABLE")
    con.execute("CREATE OR REPLACE TABLE stg_x__observations AS SELECT 3 AS one")
    assert con.execute("SELECT one FROM stg_x__observations").fetchall() == [(3,)]
