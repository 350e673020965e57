"""Every published HTML edition, opened offline in headless Chromium: every chart renders and has alt text and
its CSV beside it; nothing from source text runs as markup; the page does not scroll sideways on a phone.

The chart containers are the targets of the page's ``vegaEmbed("#id", …)`` calls, whatever element the engine
wraps them in; a chart has rendered when its container holds a Vega SVG (``class="marks"``, SVG renderer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.publication.review.browser import probe
from pipelines.publication.review.html_markup import embed_target, read_markup, same_code
from pipelines.publication.review.published import published
from tests.conftest import require_chromium

PHONE = (375, 812)
# Vega sets the container's aria-label from the spec's description, and to this when there is none
VEGA_DEFAULT_LABEL = "vega visualization"


def _pages(output: Path) -> list[Path]:
    pages = published(output, ".html")
    assert output / "monitor.html" in pages, "the Dutch HTML edition is published"
    return pages


@pytest.fixture(scope="module")
def desktop(built):
    require_chromium()
    return {page: probe(page) for page in _pages(built.output)}


@pytest.fixture(scope="module")
def phone(built):
    require_chromium()
    return {page: probe(page, *PHONE) for page in _pages(built.output)}


# --- the published pages --------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_chart_renders_offline(desktop):
    for page, seen in desktop.items():
        charts = seen["charts"]
        assert charts, f"{page.name}: no charts found (no vegaEmbed calls)"
        missing = [c["id"] for c in charts if not c["found"]]
        blank = [c["id"] for c in charts if c["found"] and c["rendered"] != 1]
        assert not missing, f"{page.name}: vegaEmbed targets without an element: {missing}"
        assert not blank, f"{page.name}: charts that did not render exactly one Vega SVG offline: {blank}"
        assert seen["svg_marks"] == len(charts), f"{page.name}: {seen['svg_marks']} Vega SVGs for {len(charts)} charts"


@pytest.mark.slow
def test_every_chart_has_alt_text(desktop):
    for page, seen in desktop.items():
        without = [c["id"] for c in seen["charts"]
                   if not c["alt"].strip() or c["alt"].strip().lower() == VEGA_DEFAULT_LABEL]
        assert not without, f"{page.name}: charts without alt text (aria-label): {without}"


@pytest.mark.slow
def test_every_chart_has_its_csv_next_to_it(desktop):
    for page, seen in desktop.items():
        for chart in seen["charts"]:
            assert chart["csv"], f"{page.name}: chart {chart['id']} has no CSV link before the next chart"
            target = (page.parent / chart["csv"].split("#")[0].split("?")[0]).resolve()
            assert target.is_file() and target.stat().st_size > 0, \
                f"{page.name}: chart {chart['id']} links {chart['csv']}, which is not in the output"


@pytest.mark.slow
def test_no_live_markup_from_source_text(built, desktop):
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    for page, seen in desktop.items():
        markup = read_markup(page.read_text(encoding="utf-8"))
        assert not markup.handlers and not seen["handlers"], \
            f"{page.name}: event-handler attributes: {(markup.handlers + seen['handlers'])[:5]}"
        assert not markup.script_sources, f"{page.name}: external scripts: {markup.script_sources}"
        assert not markup.runnable_tags and not markup.script_urls, \
            f"{page.name}: frames/forms or javascript: URLs: {(markup.runnable_tags + markup.script_urls)[:5]}"
        others = [s[:120] for s in markup.scripts if not same_code(s, bundle) and embed_target(s) is None]
        assert not others, f"{page.name}: scripts besides the Vega bundle and the chart embeds: {others}"
        assert sum(same_code(s, bundle) for s in markup.scripts) == 1, f"{page.name}: the Vega bundle, once"


@pytest.mark.slow
def test_no_horizontal_scroll_on_a_phone(phone):
    for page, seen in phone.items():
        assert seen["client_width"] == PHONE[0], seen
        assert seen["scroll_width"] <= seen["client_width"], (
            f"{page.name} scrolls sideways at {PHONE[0]} px: the document is {seen['scroll_width']} px wide; "
            f"too wide: {seen['too_wide']}")


# --- the probe and the markup reader on small pages ------------------------------------------------------

def _vega_page(tmp_path: Path, body: str) -> Path:
    import vl_convert

    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><script>{vl_convert.javascript_bundle()}"
                    f"</script></head><body>{body}</body></html>", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x,y\n1,2\n")
    return page


SPEC = '{"data": {"values": [{"x": 1, "y": 2}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}'


def test_probe_sees_a_rendered_chart_its_alt_text_csv_and_a_blank_one(tmp_path):
    require_chromium()
    page = _vega_page(tmp_path, (
        '<div id="chart-a"></div>'
        f'<script>vegaEmbed("#chart-a", {SPEC[:-1]}, "description": "Een punt"}}, {{"renderer": "svg"}});</script>'
        '<p><a href="data/a.csv">CSV</a></p>'
        '<div id="chart-b"></div>'
        '<script>vegaEmbed("#chart-b", {"mark": "nonsense"}, {"renderer": "svg", "actions": false});</script>'))
    seen = probe(page)
    a, b = seen["charts"]
    assert (a["id"], a["rendered"], a["alt"], a["csv"]) == ("chart-a", 1, "Een punt", "data/a.csv")
    assert (b["id"], b["rendered"], b["csv"]) == ("chart-b", 0, None)
    assert seen["svg_marks"] == 1


def test_probe_measures_sideways_scroll_at_phone_width(tmp_path):
    require_chromium()
    page = _vega_page(tmp_path, '<p>smal</p><table><tr><td style="min-width: 600px">breed</td></tr></table>'
                                '<img src="x" onerror="this.dataset.ran=1">')
    seen = probe(page, *PHONE)
    assert seen["client_width"] == PHONE[0] and seen["scroll_width"] > PHONE[0]
    assert any(t.startswith("<table>") for t in seen["too_wide"])
    assert seen["handlers"] == ['<img onerror="this.dataset.ran=1">']


def test_markup_reader_finds_live_markup_but_not_escaped_text():
    markup = read_markup('<p title="x onerror=alert(1)">Inspectie SZW &lt;img src=x onerror=alert(1)&gt;</p>'
                         '<img src=x onerror=alert(1)><a href="javascript:alert(1)">a</a><iframe></iframe>'
                         '<script>alert(1)</script><script src="https://cdn.example/x.js"></script>')
    assert markup.handlers == ['<img onerror="alert(1)">']
    assert markup.script_urls == ['<a href="javascript:alert(1)">'] and markup.runnable_tags == ["<iframe>"]
    assert markup.scripts == ["alert(1)", ""] and markup.script_sources == ["https://cdn.example/x.js"]
    assert embed_target("alert(1)") is None


def test_embed_target_accepts_one_embed_call_with_a_json_spec_only():
    assert embed_target(f'vegaEmbed("#chart-a", {SPEC}, {{"renderer": "svg"}});') == "chart-a"
    assert embed_target('vegaEmbed("#chart-a", {"a": 1}, {}); alert(1); ({})') is None
    assert embed_target('vegaEmbed("#chart-a", {a: alert(1)}, {});') is None
