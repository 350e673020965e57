"""Every headline figure the SER advice cites is in DuckDB with its origin and confidence (or documented as not held).

The list of items 1-25 and where each is held is pipelines/sources/register/headline_figures.yaml; docs/sources.md
shows the same table to readers. This test holds both to the tables built from the shipped snapshots.
"""

from pathlib import Path

import pytest
import yaml

from tests.sources_kit import query, shipped_warehouse

REPO = Path(__file__).resolve().parents[1]
HEADLINES = yaml.safe_load((REPO / "pipelines/sources/register/headline_figures.yaml").read_text(encoding="utf-8"))["items"]
DOCS = (REPO / "docs/sources.md").read_text(encoding="utf-8")


def test_all_25_items_are_listed_once():
    assert [i["item"] for i in HEADLINES] == list(range(1, 26))
    for item in HEADLINES:
        assert item.get("held") or item.get("not_held"), f"item {item['item']} is neither held nor explained"


@pytest.mark.parametrize("item", HEADLINES, ids=lambda i: f"item{i['item']}")
def test_headline_figure_is_held_with_origin_and_confidence(item):
    warehouse = shipped_warehouse()
    for held in item.get("held", []):
        rows = query(
            warehouse,
            f"SELECT value, value_lower, value_upper, publisher, document_title, url, published, quote, locator, "
            f"snapshot_id FROM stg_{held['source']}__observations "
            "WHERE indicator_id = ? AND period_code = ? AND breakdown = ? AND confidence = ?",
            held["indicator_id"], str(held["period_code"]), held["breakdown"], held["confidence"])
        assert rows, f"item {item['item']}: no {held['confidence']} row for {held}"
        wanted = (held.get("value"), held.get("value_lower"), held.get("value_upper"))
        matching = [r for r in rows if all(w is None or r[i] == pytest.approx(w) for i, w in enumerate(wanted))]
        assert matching, f"item {item['item']}: {held} has values {[r[:3] for r in rows]}"
        value, lower, upper, publisher, title, url, published, quote, locator, snapshot_id = matching[0]
        assert publisher and title and published and url.startswith("http")
        assert query(warehouse, "SELECT count(*) FROM raw_snapshots__origins WHERE snapshot_id = ?", snapshot_id)[0][0] == 1
        if held["confidence"] == "cited_only":
            assert quote and locator and "regel" in locator, f"item {item['item']}: a cited figure quotes its line"


def test_docs_list_every_item_and_indicator():
    section = DOCS[DOCS.index("## Headline figures"):]
    for item in HEADLINES:
        assert f"\n| {item['item']} |" in section, f"item {item['item']} missing from docs/sources.md"
        for held in item.get("held", []):
            assert f"`{held['indicator_id']}`" in section, held["indicator_id"]


def test_indicator_ids_in_docs_exist():
    """Every indicator id docs/sources.md lists for a source is one the source's staging table holds."""
    warehouse = shipped_warehouse()
    listed = DOCS[DOCS.index("## Indicator ids"):DOCS.index("## Headline figures")]
    for source in ("uwv", "wagweu", "arbeidsinspectie", "ind", "register"):
        held = {r[0] for r in query(warehouse, f"SELECT DISTINCT indicator_id FROM stg_{source}__observations")}
        block = listed[listed.index(f"### {source}"):]
        block = block[:block.index("\n### ", 1)] if "\n### " in block[1:] else block
        ids = {part.split("`")[1] for part in block.split("\n") if part.startswith("| `")}
        assert ids == held, f"{source}: in docs only {sorted(ids - held)}; in data only {sorted(held - ids)}"
