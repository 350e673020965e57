"""Every headline figure the SER advice cites is in DuckDB with its origin and confidence (or documented as cited only).

The list of items 1-25, their sub-figures and the source figure each maps to is the headline register
data_contracts/registers/headline_figures.yaml; docs/sources.md shows the figures to readers. This test holds both
to the tables built from the shipped snapshots.
"""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.sources_kit import materialize, query

REPO = Path(__file__).resolve().parents[1]
RECORDS = yaml.safe_load((REPO / "data_contracts/registers/headline_figures.yaml").read_text(encoding="utf-8"))["records"]
DOCS = (REPO / "docs/sources.md").read_text(encoding="utf-8")
STAGING = ("uwv", "wagweu", "arbeidsinspectie", "ind", "register", "cbs")


@functools.cache
def built_warehouse() -> Path:
    """The warehouse built once from the shipped snapshots up to mart__headline_checks (no contract checks)."""
    from tests.conftest import SNAPSHOTS

    work = Path(tempfile.mkdtemp(prefix="headlines_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    return materialize(SNAPSHOTS, work, ["mart__headline_checks"])


def _rows(warehouse, indicator_id, period_code, breakdown, confidences):
    marks = ", ".join("?" for _ in confidences)
    union = " UNION ALL ".join(
        f"SELECT value, value_lower, value_upper, publisher, document_title, url, published, quote, locator, snapshot_id, "
        f"confidence FROM stg_{s}__observations WHERE indicator_id = ? AND period_code = ? AND breakdown = ? "
        f"AND confidence IN ({marks})" for s in STAGING)
    params = [p for _ in STAGING for p in (indicator_id, str(period_code), breakdown, *confidences)]
    return query(warehouse, union, *params)


def test_all_25_items_have_records():
    assert sorted({r["item"] for r in RECORDS}) == list(range(1, 26))
    ids = [r["figure_id"] for r in RECORDS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["figure_id"])
def test_citation_is_held_with_its_quote(record):
    """The advice's own figure is a cited_only row with the sentence and line it was read from, and the same value."""
    warehouse = built_warehouse()
    rows = _rows(warehouse, record["cited_indicator_id"], record["cited_period_code"], record["cited_breakdown"], ["cited_only"])
    assert rows, f"{record['figure_id']}: no cited_only row for {record['cited_indicator_id']} {record['cited_period_code']}"
    wanted = (record.get("cited_value"), record.get("cited_lower"), record.get("cited_upper"))
    matching = [r for r in rows if all(w is None or (r[i] is not None and abs(r[i] - w) < 1e-6 * max(1, abs(w)))
                                       for i, w in enumerate(wanted))]
    assert matching, f"{record['figure_id']}: cited value {wanted} not among {[r[:3] for r in rows]}"
    value, lower, upper, publisher, title, url, published, quote, locator, snapshot_id, _ = matching[0]
    assert publisher and title and published and url.startswith("http")
    assert quote and locator and "regel" in locator, f"{record['figure_id']}: a cited figure quotes its line"
    assert query(warehouse, "SELECT count(*) FROM raw_snapshots__origins WHERE snapshot_id = ?", snapshot_id)[0][0] == 1


@pytest.mark.parametrize("record", [r for r in RECORDS if r.get("compare_indicator_id")], ids=lambda r: r["figure_id"])
def test_mapped_source_figure_is_held_with_its_origin(record):
    """Where the register maps a citation to a source figure, the figures of that concept, period and breakdown carry
    their origin; where none is held (or only CBS's recomputed tension), the register says what was searched."""
    warehouse = built_warehouse()
    rows = query(warehouse, """
        SELECT f.publisher, f.document_title, f.url, f.published, f.confidence FROM mart__figures f
        JOIN raw_monitor__indicators i ON i.indicator_id = ? AND f.concept_id = i.concept_id
        WHERE f.period_code = ? AND f.breakdown = ? AND f.confidence IN ('primary', 'secondary')""",
                 record["compare_indicator_id"], str(record["compare_period_code"]), record["compare_breakdown"])
    recomputed = query(warehouse, "SELECT count(*) FROM mart__labour_market_tension WHERE period_code = ?",
                       str(record["compare_period_code"]))[0][0] if record["compare_indicator_id"] == "vacatures_per_100_werklozen" else 0
    if not rows and not recomputed:
        assert record.get("searched_nl") and record.get("searched_en"), f"{record['figure_id']}: mapped, not held, no search recorded"
    for publisher, title, url, published, _ in rows:
        assert publisher and title and published and url.startswith("http")


def test_docs_list_every_item_and_cited_indicator():
    section = DOCS[DOCS.index("## Headline figures"):]
    for item in sorted({r["item"] for r in RECORDS}):
        assert f"\n| {item} |" in section, f"item {item} missing from docs/sources.md"
    for record in RECORDS:
        assert f"`{record['cited_indicator_id']}`" in section, record["cited_indicator_id"]


def test_indicator_ids_in_docs_exist():
    """Every indicator id docs/sources.md lists for a source is one the source's staging table holds."""
    warehouse = built_warehouse()
    listed = DOCS[DOCS.index("## Indicator ids"):DOCS.index("## Headline figures")]
    for source in ("uwv", "wagweu", "arbeidsinspectie", "ind", "register"):
        held = {r[0] for r in query(warehouse, f"SELECT DISTINCT indicator_id FROM stg_{source}__observations")}
        block = listed[listed.index(f"### {source}"):]
        block = block[:block.index("\n### ", 1)] if "\n### " in block[1:] else block
        ids = {part.split("`")[1] for part in block.split("\n") if part.startswith("| `")}
        assert ids == held, f"{source}: in docs only {sorted(ids - held)}; in data only {sorted(held - ids)}"
