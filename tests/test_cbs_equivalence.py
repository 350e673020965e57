"""The streaming CBS reader gives exactly the observations the reader gave before it was rewritten for speed.

``reference_read_capture`` below is the previous implementation of the ``cbs_odata_capture`` reader, kept here
verbatim (only renamed) as the reference: page by page ``json.loads`` + ``pl.from_dicts``, one polars frame with
every column materialised. The new reader (pages parsed by polars' JSON reader, lookups per distinct key,
constants and joins in DuckDB, streamed into the table) must give the same rows, columns and types on captures
of every shape the fake server serves: v3 typed and untyped (CBS symbols), v4, TopicGroups, tables.yaml maps
with ``where``, generated indicator ids, filtered captures, many pages. Row order is not part of the contract.
"""

import dataclasses
import json

import duckdb
import polars as pl
import pytest

from pipelines.core.errors import Problem, SnapshotError, SourceFormatError
from pipelines.core.observations import OBSERVATION_SCHEMA, breakdown_key, empty
from pipelines.core.periods import parse_period
from pipelines.core.snapshots import Snapshot, SnapshotStore
from pipelines.core.warehouse import replace_table
from pipelines.sources.cbs import pages
from pipelines.sources.cbs.odata import tablemeta
from pipelines.sources.cbs.odata.capture import capture_table
from pipelines.sources.cbs.odata.endpoints import Endpoints
from pipelines.sources.cbs.odata.transport import RetryPolicy, Transport
from pipelines.sources.cbs.reader import _resolve_maps, load_capture, read_capture
from pipelines.sources.cbs.tables import TableSpec, table_spec
from pipelines.sources.common import readers
from tests.fakes.cbs_odata import FakeCbs, FakeTable, big_table, immigrants_by_motive, vacancies_by_sector
from tests.test_cbs_reader import _tension_parts

NIL = ("-", "–")
V4_ATTRIBUTES = {"none": None, "missing": "missing", "impossible": "missing", "confidential": "secret", "secret": "secret"}


# --- the reference: the reader as it was (previous pipelines/sources/cbs/reader.py) ---------------------------

def _reference_data_pages(snapshot: Snapshot, meta: tablemeta.CaptureMeta):
    """(member name, rows) for every data page, in page order (was tablemeta.data_pages)."""
    for name in meta.data_members:
        body = json.loads(snapshot.member(name))
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise SourceFormatError(f"Captured data page has no 'value' list: {name}", [])
        yield name, body["value"]


def _reference_page_frame(rows: list[dict], meta: tablemeta.CaptureMeta, file: str) -> pl.DataFrame:
    """One data page -> long frame: row id, stripped dimension keys, time code, measure, value, symbol status."""
    dim_keys = [d.key for d in meta.dimensions]
    if meta.api == "v4":
        schema = {"Id": pl.Int64, "Measure": pl.String, "ValueAttribute": pl.String, "Value": pl.Float64} | {d: pl.String for d in dim_keys}
        df = pl.from_dicts(rows, schema=schema, strict=False) if rows else pl.DataFrame(schema=schema)
        attr = df["ValueAttribute"].str.to_lowercase()
        status = attr.replace_strict(V4_ATTRIBUTES, default=attr, return_dtype=pl.String)
        return df.select(
            (pl.col("Id") + 1).alias("source_row"),
            *[pl.col(d).str.strip_chars_end().alias(d) for d in dim_keys],
            pl.col("Measure").alias("measure"),
            pl.col("Value").alias("value"),
            status.alias("symbol_status"),
        )
    typed = meta.data_set != "UntypedDataSet"
    measures = list(meta.measures)
    schema = {"ID": pl.Int64} | {d: pl.String for d in dim_keys} | {m: (pl.Float64 if typed else pl.String) for m in measures}
    df = pl.from_dicts(rows, schema=schema, strict=False) if rows else pl.DataFrame(schema=schema)
    long = df.unpivot(index=["ID", *dim_keys], on=measures, variable_name="measure", value_name="raw")
    if typed:
        value, symbol = pl.col("raw"), pl.when(pl.col("raw").is_null()).then(pl.lit("missing"))
    else:
        text = pl.col("raw").str.strip_chars()
        number = text.str.strip_chars_end("*").cast(pl.Float64, strict=False)
        value = pl.when(text.is_in(NIL)).then(0.0).otherwise(number)
        symbol = (pl.when(text.is_null() | text.is_in([".", ""])).then(pl.lit("missing"))
                  .when(text == "x").then(pl.lit("secret"))
                  .when(text.str.ends_with("*") & number.is_not_null()).then(pl.lit("voorlopig")))
        bad = long.filter(text.is_not_null() & ~text.is_in([".", "", "x", *NIL]) & number.is_null()).head(3)
        if bad.height:
            raise SourceFormatError(f"{file}: value is neither a number nor a CBS symbol",
                                    [Problem("not a number or symbol", file=file, field=r["measure"], row=r["ID"] + 1, value=r["raw"])
                                     for r in bad.to_dicts()])
    return long.select(
        (pl.col("ID") + 1).alias("source_row"),
        *[pl.col(d).str.strip_chars_end().alias(d) for d in dim_keys],
        "measure", value.alias("value"), symbol.alias("symbol_status"),
    )


def reference_read_capture(snapshot: Snapshot) -> pl.DataFrame:
    meta = tablemeta.load(snapshot)
    spec = table_spec(meta.table_id)
    maps = _resolve_maps(spec, meta, snapshot)
    time, others = meta.time, meta.others
    frames = [_reference_page_frame(rows, meta, f"{snapshot.id} -> {name}") for name, rows in _reference_data_pages(snapshot, meta)]
    if not frames:
        return empty()
    long = pl.concat(frames)
    if long.is_empty():
        return empty()

    unknown_measures = set(long["measure"].unique()) - set(meta.measures)
    if unknown_measures:
        raise SourceFormatError(f"{snapshot.id}: data has measures its metadata does not describe",
                                [Problem("unknown measure", file=snapshot.id, value=m) for m in sorted(unknown_measures)])

    # Which map (if any) each row falls under: first matching entry wins.
    idx = pl.lit(-1, dtype=pl.Int32)
    for i, (_, key, where) in reversed(list(enumerate(maps))):
        cond = pl.col("measure") == key
        for dim, code in where.items():
            cond = cond & (pl.col(dim) == code)
        idx = pl.when(cond).then(pl.lit(i, dtype=pl.Int32)).otherwise(idx)
    long = long.with_columns(idx.alias("map_idx"))

    # Breakdown, dimension keys and labels: computed once per distinct combination, then joined.
    combo_cols = [d.key for d in others]
    combos = long.select(*combo_cols, "map_idx").unique() if combo_cols else long.select("map_idx").unique()
    combo_rows = []
    for c in combos.iter_rows(named=True):
        keys = {d.key: c[d.key] or "" for d in others}
        labels = {d.key: (d.codes[keys[d.key]].title if keys[d.key] in d.codes else keys[d.key]) for d in others}
        fixed = set(maps[c["map_idx"]][2]) if c["map_idx"] >= 0 else set()
        shown = {k: v for k, v in keys.items() if k not in fixed and not spec.is_total(k, v)}
        combo_rows.append({**{k: c[k] for k in combo_cols}, "map_idx": c["map_idx"], "breakdown": breakdown_key(shown),
                           "dimensions": json.dumps(keys, ensure_ascii=False, sort_keys=True),
                           "dimension_labels": json.dumps(labels, ensure_ascii=False, sort_keys=True)})
    combo_schema = {k: pl.String for k in combo_cols} | {"map_idx": pl.Int32, "breakdown": pl.String,
                                                         "dimensions": pl.String, "dimension_labels": pl.String}
    long = long.join(pl.DataFrame(combo_rows, schema=combo_schema), on=[*combo_cols, "map_idx"], how="left", nulls_equal=True)

    # Periods: parsed once per code; label and status from the time dimension's codes.
    period_rows = []
    for code in long[time.key].unique().to_list():
        try:
            p = parse_period(code or "")
        except ValueError as exc:
            raise SourceFormatError(f"{snapshot.id}: bad period code", [Problem(str(exc), file=snapshot.id, field=time.key, value=code)]) from exc
        c = time.codes.get(code or "")
        period_rows.append({time.key: code, "period_code": p.code, "period_type": p.type, "period_start": p.start,
                            "period_end": p.end, "period_label": c.title if c and c.title else p.label,
                            "period_status": (c.status or "").strip().lower() or None if c else None})
    periods = pl.DataFrame(period_rows, schema={time.key: pl.String, "period_code": pl.String, "period_type": pl.String,
                                                "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String,
                                                "period_status": pl.String})
    long = long.join(periods, on=time.key, how="left")

    measures = pl.DataFrame([{"measure": m.key, "measure_label": m.label, "unit": m.unit, "decimals": m.decimals}
                             for m in meta.measures.values()],
                            schema={"measure": pl.String, "measure_label": pl.String, "unit": pl.String, "decimals": pl.Int32})
    long = long.join(measures, on="measure", how="left")

    indicator_of = {i: m.indicator_id for i, (m, _, _) in enumerate(maps)}
    generated = pl.lit(f"cbs_{meta.table_id}_".lower()) + pl.col("measure").str.to_lowercase().str.replace_all(r"[^a-z0-9_]+", "_")
    indicator = pl.col("map_idx").replace_strict(indicator_of, default=None, return_dtype=pl.String)
    origin = snapshot.origin
    consts = {
        "source_id": "cbs", "dataset_id": meta.table_id, "value_qualifier": None, "value_lower": None, "value_upper": None,
        "vintage": meta.modified[:10], "snapshot_id": snapshot.id, "snapshot_sha256": snapshot.sha256,
        "publisher": origin["producer"], "document_title": origin["title"], "url": origin["url"],
        "locator": f"{meta.data_set} (row = ID + 1)" if meta.api == "v3" else "Observations (row = Id + 1)",
        "published": str(origin["published"]), "quote": None, "how_obtained": origin["obtained"],
        "confidence": origin.get("confidence"), "from_snapshot_document": True,
    }
    out = long.with_columns(
        pl.coalesce(indicator, generated).alias("indicator_id"),
        pl.coalesce("symbol_status", "period_status", pl.lit("published")).alias("status"),
        *[pl.lit(v).alias(k) for k, v in consts.items()],
    )
    return out.select([pl.col(name).cast(dtype) for name, dtype in OBSERVATION_SCHEMA.items()])


# --- the comparison -------------------------------------------------------------------------------------------

FAST = RetryPolicy(max_attempts=1)


def _capture(tmp_path, table: FakeTable, spec: TableSpec, page_size: int = 17) -> Snapshot:
    with FakeCbs([table], page_size=page_size) as cbs, Transport(FAST) as t:
        result = capture_table(spec, store_root=tmp_path / "s", work_dir=tmp_path / "w",
                               endpoints=Endpoints.resolve(cbs.base_url), transport=t)
    return SnapshotStore(tmp_path / "s").read(result.snapshot_id)


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(df.columns, nulls_last=True)


def _loaded(snapshot: Snapshot, tmp_path) -> pl.DataFrame:
    """What the raw asset writes: the streaming loader appending to a DuckDB table in replace_table's transaction."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        n = replace_table(con, "raw_cbs__observations", empty(), append=[lambda con, t: load_capture(snapshot, con, t)])
        df = con.table("raw_cbs__observations").pl()
    assert n == df.height
    return df


def _cases():
    unemployed, vacancies = _tension_parts()
    return {
        "v3 typed, padded keys, many pages": (vacancies_by_sector(sectors=9), table_spec("80472NED")),
        "v3 untyped, CBS symbols": (immigrants_by_motive(), dataclasses.replace(table_spec("84809NED"), data_set="UntypedDataSet")),
        "v3 typed, time dimension not Perioden": (immigrants_by_motive(), table_spec("84809NED")),
        "v4 Observations": (immigrants_by_motive(), dataclasses.replace(table_spec("84809NED"), api="v4")),
        "v3 where-maps by title": (unemployed, table_spec("85224NED")),
        "v3 TopicGroups, only a time dimension": (vacancies, table_spec("84545NED")),
        "v3 unmapped table (generated ids)": (vacancies_by_sector(table_id="12345NED"), TableSpec("12345NED")),
        "v3 filtered capture": (vacancies_by_sector(), dataclasses.replace(table_spec("80472NED"),
                                                                          filter={"Bedrijfskenmerken": ("T001081", "F000002")})),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_new_reader_gives_the_reference_observations(tmp_path, case):
    table, spec = _cases()[case]
    snapshot = _capture(tmp_path, table, spec)
    reference = reference_read_capture(snapshot)
    assert reference.height > 0
    frame = read_capture(snapshot)
    assert frame.schema == reference.schema == pl.Schema(OBSERVATION_SCHEMA)
    assert _sorted(frame).equals(_sorted(reference)), case
    loaded = _loaded(snapshot, tmp_path)
    assert loaded.columns == list(OBSERVATION_SCHEMA)
    assert _sorted(loaded.cast(OBSERVATION_SCHEMA)).equals(_sorted(reference)), case


def test_capture_larger_than_a_row_group_streams_every_row(tmp_path):
    """140,000 observations: more than one DuckDB row group, so the insert is written optimistically, as in a build."""
    snapshot = _capture(tmp_path, big_table(70_000), TableSpec("99999NED"), page_size=10_000)
    reference = reference_read_capture(snapshot)
    assert reference.height == 140_000
    assert _sorted(_loaded(snapshot, tmp_path).cast(OBSERVATION_SCHEMA)).equals(_sorted(reference))


def test_big_capture_in_small_batches_gives_the_reference(tmp_path, monkeypatch):
    """Lookups that grow batch by batch (new combinations and periods turning up in later pages)."""
    monkeypatch.setattr(pages, "compact_frames", lambda s, m, min_rows=50: _orig_compact_frames(s, m, min_rows))
    snapshot = _capture(tmp_path, vacancies_by_sector(sectors=40, years=(2015, 2024)), table_spec("80472NED"), page_size=37)
    assert _sorted(read_capture(snapshot)).equals(_sorted(reference_read_capture(snapshot)))


_orig_compact_frames = pages.compact_frames


def test_tampered_page_is_refused_and_the_table_is_left_as_it_was(tmp_path):
    snapshot = _capture(tmp_path, vacancies_by_sector(), table_spec("80472NED"))
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        replace_table(con, "raw_cbs__observations", empty(), append=[lambda con, t: load_capture(snapshot, con, t)])
        before = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
    name = tablemeta.load(snapshot).data_members[-1]
    page = snapshot.path.parent / name
    tampered = page.read_bytes().replace(b'"ID": 11', b'"ID": 12', 1)
    assert tampered != page.read_bytes()
    page.write_bytes(tampered)
    with duckdb.connect(str(db)) as con:
        with pytest.raises(SnapshotError) as err:
            replace_table(con, "raw_cbs__observations", empty(), append=[lambda con, t: load_capture(snapshot, con, t)])
        assert name in str(err.value) and "checksum mismatch" in str(err.value)
        assert con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0] == before
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == duckdb.connect().execute(
            "SELECT current_setting('memory_limit')").fetchone()[0], "memory_limit set back"


def test_readers_expose_the_streaming_loader(tmp_path):
    snapshot = _capture(tmp_path, immigrants_by_motive(), table_spec("84809NED"))
    assert readers.loader(snapshot) is load_capture
    assert _sorted(readers.read(snapshot)).equals(_sorted(reference_read_capture(snapshot)))


# --- page parsing: the fast reader or, where it cannot take a page, exactly what json.loads + from_dicts gave --

def _meta(data_set: str = "TypedDataSet") -> tablemeta.CaptureMeta:
    dims = [tablemeta.Dimension("Regio", "Regio", False), tablemeta.Dimension("Perioden", "Perioden", True)]
    measures = {"A_1": tablemeta.Measure("A_1", "A", "A", "aantal", 0)}
    return tablemeta.CaptureMeta("1NED", "v3", data_set, "2031-01-01", {}, dims, measures, [])


def _old_rows(data: bytes, meta) -> pl.DataFrame:
    rows = json.loads(data)["value"]
    schema = pages.row_schema(meta)
    return pl.from_dicts(rows, schema=schema, strict=False) if rows else pl.DataFrame(schema=schema)


@pytest.mark.parametrize("body", [
    '{"value": [{"ID": 0, "Regio": "GM01  ", "Perioden": "2030JJ00", "A_1": 5}], "odata.nextLink": "http://x/?$skiptoken=1"}',
    '{"value": [{"ID": 0, "Regio": 12, "Perioden": "2030JJ00", "A_1": 1.5, "Extra": [1]}]}',
    '{"value": [{"ID": 0, "Perioden": "2030JJ00", "A_1": null}]}',
    '{"value": [{"ID": 0, "Regio": "GM01", "Perioden": "2030JJ00", "A_1": "5.5"}]}',
    '{"value": [{"ID": 0, "Regio": "GM01", "Perioden": "2030JJ00", "A_1": NaN}]}',
    '\ufeff{"value": [{"ID": 0, "Regio": "GM01", "Perioden": "2030JJ00", "A_1": 1}]}',
    '{"value": [{"ID": 0, "Regio": "Z\\u00fcrich \\"q\\"", "Perioden": "2030JJ00", "A_1": 1e308}]}',
    '{"value": [{"ID": 0, "Regio": "GM01", "Perioden": "2030JJ00", "A_1": 6.76859684995882885972e310}]}',
    '{"value": []}',
])
def test_page_rows_match_json_loads_and_from_dicts(body):
    data = body.encode("utf-8")
    meta = _meta()
    assert pages.page_rows(data, meta, "p.json").equals(_old_rows(data, meta))


@pytest.mark.parametrize("body,message", [
    ('{"value": [{"ID": 0, "Regio": "GM01", "Perioden": "2030JJ00", "A_1": 1}', "not JSON"),
    ('{"odata.error": {}}', "no 'value' list"),
    ('{"value": null}', "no 'value' list"),
])
def test_page_that_is_not_an_odata_page_is_named(body, message):
    with pytest.raises(SourceFormatError) as err:
        pages.page_rows(body.encode(), _meta(), "cbs/1NED/capture_x/MANIFEST.json -> pages/abc.json")
    assert message in str(err.value) and "pages/abc.json" in str(err.value)


def test_streamed_rows_survive_a_table_created_from_an_empty_frame(tmp_path):
    """DuckDB 1.5.6 loses the rows of a large INSERT (>= one row group) that follows a zero-row append in the same
    transaction; replace_table creates the table WITH NO DATA from an empty frame so a streamed load keeps its rows."""
    frame = pl.DataFrame(schema={"i": pl.Int64, "s": pl.String})

    def big(con, table):  # as load_capture does: a temporary table, then one INSERT from it
        con.execute("CREATE TEMP TABLE cells AS SELECT i, 'x' || i AS s FROM range(300000) r(i)")
        return con.execute(f'INSERT INTO "{table}" SELECT * FROM cells').fetchone()[0]

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert replace_table(con, "t", frame, append=[big]) == 300_000
        assert con.execute("SELECT count(*), typeof(any_value(i)), typeof(any_value(s)) FROM t").fetchone() == (
            300_000, "BIGINT", "VARCHAR")


def test_load_settings_are_lowered_for_the_insert_and_set_back():
    from pipelines.sources.cbs.duckdb_tools import lowered_memory_limit, skipped_compression

    con = duckdb.connect()
    setting = lambda name: con.execute(f"SELECT current_setting('{name}')").fetchone()[0]  # noqa: E731
    con.execute("SET disabled_compression_methods = 'chimp'")
    default_memory = setting("memory_limit")
    with lowered_memory_limit(con, "300MB"), skipped_compression(con, ("fsst",)):
        assert setting("memory_limit") == "286.1 MiB"
        assert set(setting("disabled_compression_methods").lower().split(",")) == {"fsst", "chimp"}
    assert (setting("memory_limit"), setting("disabled_compression_methods").lower()) == (default_memory, "chimp")
    con.execute("SET memory_limit = '100MB'")
    with lowered_memory_limit(con, "300MB"):  # never raised
        assert setting("memory_limit") == "95.3 MiB"
