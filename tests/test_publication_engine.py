"""The offline publication engine, feature by feature: a small Quarto project (tests/publication_fixture) that
uses every supported feature is rendered once (both profiles, HTML and PDF); each test checks one feature in
the outputs. Unsupported features fail before any cell runs, naming file and line."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.publication.engine import render
from pipelines.settings import REPO_ROOT

FIXTURE = Path(__file__).parent / "publication_fixture"
SHIPPED = ("typst-template.typ", "typst-show.typ", "monitor.css")


def make_project(tmp: Path) -> Path:
    project = tmp / "project"
    shutil.copytree(FIXTURE, project)
    for name in SHIPPED:  # the publication's own partials and style sheet, so its layout is what is tested
        shutil.copy(REPO_ROOT / "reports" / name, project / name)
    return project


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("engine")
    project = make_project(tmp)
    out = tmp / "out"
    produced = render(project / "doc.qmd", out, env={"SOURCE_DATE_EPOCH": "1767225600"})
    return out, produced


def html(rendered, name="doc.html") -> str:
    return (rendered[0] / name).read_text(encoding="utf-8")


def visible_text(page: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("\u200b", "")


def pdf_text(rendered, name="doc.pdf", first: int | None = None, last: int | None = None) -> str:
    if not shutil.which("pdftotext"):
        from pypdf import PdfReader

        pages = PdfReader(rendered[0] / name).pages[(first or 1) - 1:last]
        return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages)).replace("\u200b", "")
    args = ["pdftotext"] + (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    text = subprocess.run([*args, str(rendered[0] / name), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text).replace("\u200b", "")


# --- editions -------------------------------------------------------------------------------------------

def test_every_profile_renders_html_and_pdf(rendered):
    assert sorted(rendered[1]) == ["doc.en.html", "doc.en.pdf", "doc.html", "doc.pdf"]
    assert not [p for p in rendered[0].iterdir() if p.name.startswith(".")], "no work files left behind"


def test_profile_selects_language_and_content(rendered):
    nl, en = visible_text(html(rendered)), visible_text(html(rendered, "doc.en.html"))
    assert "NL-ONLY" in nl and "EN-ONLY" not in nl
    assert "EN-ONLY" in en and "NL-ONLY" not in en
    assert ' lang="nl" ' in html(rendered)[:200] and ' lang="en-GB" ' in html(rendered, "doc.en.html")[:200]
    assert "NL-ONLY" in pdf_text(rendered) and "EN-ONLY" in pdf_text(rendered, "doc.en.pdf")
    assert "EN-ONLY" not in pdf_text(rendered)


def test_numbers_are_written_per_language(rendered):
    assert "27.304 en 105,9" in visible_text(html(rendered))
    assert "27,304 and 105.9" in visible_text(html(rendered, "doc.en.html"))
    assert "27.304 en 105,9" in pdf_text(rendered)


def test_includes_are_resolved(rendered):
    assert "Eerste" in visible_text(html(rendered))


# --- cross-references, numbering ----------------------------------------------------------------------------

def test_cross_references_are_numbered_and_linked_in_html(rendered):
    page = html(rendered)
    assert re.search(r'<a href="#fig-chart"[^>]*>Figuur\s1</a>', page)
    assert re.search(r'<a href="#tbl-rows"[^>]*>Tabel\s1</a>', page)
    assert re.search(r'<a href="#sec-second"[^>]*>paragraaf\s1\.1</a>', page)
    assert re.search(r'<div id="fig-chart" class="monitor-float monitor-fig">\s*<figure>\s*<div id="chart-proef"', page)
    figure = page[page.index('<div id="fig-chart"'):]
    figure = figure[figure.index("<figure>"):figure.index("</figure>")]
    assert figure.rstrip().endswith("</figcaption>"), "figcaption is the figure's last child"
    assert 'id="tbl-rows"' in page and 'id="tbl-long"' in page
    text = visible_text(page)
    for caption in ("Figuur 1 : FIGCAP-NL", "Figuur 2 : PLAINFIG caption", "Tabel 1 : TBLCAP-NL",
                    "Tabel 2 : LONGTABLE caption"):
        assert caption in text
    assert '<div id="fig-plain"' in page and 'aria-label="PLAIN-ALT text"' in page  # #| fig-cap, #| fig-alt
    en = visible_text(html(rendered, "doc.en.html"))
    assert "see Figure 1 , Table 1 and Section 1.1" in en and "Figure 1 : FIGCAP-EN" in en


def test_cross_references_and_captions_in_pdf(rendered):
    text = pdf_text(rendered)
    assert "zie Figuur 1, Tabel 1 en paragraaf 1.1" in text
    assert "Figuur 1: FIGCAP-NL" in text and "Tabel 1: TBLCAP-NL" in text and "Tabel 2: LONGTABLE caption" in text
    assert "Figuur 2: PLAINFIG caption" in text
    assert "see Figure 1, Table 1 and Section 1.1" in pdf_text(rendered, "doc.en.pdf")


def test_sections_are_numbered_except_unnumbered(rendered):
    page = html(rendered)
    assert re.search(r'<span class="header-section-number">1</span>\s*Eerste', page)
    assert re.search(r'<span class="header-section-number">1\.1</span>\s*Tweede', page)
    assert not re.search(r'header-section-number">\d+</span>\s*Literatuur', page)
    text = pdf_text(rendered)
    assert "1.1 Tweede" in text and "1 Eerste" in text and "2 Literatuur" not in text


# --- callouts, footnotes, citations, format conditions ---------------------------------------------------------

def test_callout_with_title(rendered):
    page = html(rendered)
    assert re.search(r'class="callout callout-warning"[^>]*>\s*<div class="callout-title">\s*<strong>CALLOUT-TITLE', page)
    assert re.search(r'class="callout callout-note"[^>]*>\s*<div class="callout-title">\s*<strong>NOTE-HEADING<', page)
    assert "<h2" not in page.split("NOTE-HEADING")[0][-300:], "a callout's heading is its title, not a section"
    text = pdf_text(rendered)
    assert "CALLOUT-TITLE CALLOUT-BODY" in text and "NOTE-HEADING NOTE-BODY" in text
    assert re.search(r'class="callout callout-important"[^>]*>\s*<div class="callout-title">\s*<strong>Belangrijk<', page)
    assert "Belangrijk IMPORTANT-BODY" in text and "Important IMPORTANT-BODY" in pdf_text(rendered, "doc.en.pdf")
    assert "1.1 Tweede" in text, "the callout heading took no section number"


def test_colophon_is_a_page_of_its_own(rendered):
    from pypdf import PdfReader

    pages = PdfReader(rendered[0] / "doc.pdf").pages
    last = pages[-1].extract_text()
    assert "COLOPHON-TEXT: nl" in last and "Literatuur" not in last and "LONGTABLE" not in last
    assert 'class="monitor-colophon"' in html(rendered) and "COLOPHON-TEXT: en" in pdf_text(rendered, "doc.en.pdf")


def test_footnotes(rendered):
    assert 'role="doc-endnotes"' in html(rendered) and "VOETNOOT-NL" in html(rendered)
    assert "VOETNOOT-NL" in pdf_text(rendered)


def test_citations_and_bibliography(rendered):
    text = visible_text(html(rendered))
    assert "(Sociaal-Economische Raad 2025)" in text
    assert "Arbeidsmigratie: minder waar het kan, beter waar het moet" in text.split("Literatuur")[-1]
    assert "Sociaal-Economische Raad 2025" in pdf_text(rendered)


def test_content_by_format(rendered):
    assert "HTML-ONLY" in visible_text(html(rendered)) and "PDF-ONLY" not in visible_text(html(rendered))
    assert "PDF-ONLY" in pdf_text(rendered) and "HTML-ONLY" not in pdf_text(rendered)


# --- the PDF ------------------------------------------------------------------------------------------------------

def test_pdf_is_a4_tagged_ua_with_title_and_language(rendered):
    from pypdf import PdfReader

    reader = PdfReader(rendered[0] / "doc.pdf")
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    landscape = [i for i, p in enumerate(reader.pages, 1) if "WIDETABLE" in (p.extract_text() or "")]
    assert len(landscape) == 1 and sizes[landscape[0] - 1] == (842, 595), "size='landscape': an A4 landscape page"
    assert all(size == (595, 842) for i, size in enumerate(sizes, 1) if i not in landscape), sizes
    assert reader.metadata.title == "Proefdocument"
    assert reader.metadata.creation_date.year == 2026 and reader.metadata.creation_date.month == 1  # SOURCE_DATE_EPOCH
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert PdfReader(rendered[0] / "doc.en.pdf").trailer["/Root"]["/Lang"] == "en"  # Typst writes the language only


def test_pdf_has_title_page_toc_running_header_and_page_numbers(rendered):
    from pypdf import PdfReader

    pages = len(PdfReader(rendered[0] / "doc.pdf").pages)
    first = pdf_text(rendered, first=1, last=1)
    assert "Proefdocument" in first and "Editie proef" in first and not re.search(rf"1\s*/\s*{pages}", first)
    second = pdf_text(rendered, first=2, last=2)
    assert "Inhoud" in second and "Eerste" in second
    assert second.count("Proefdocument") == 1 and "Editie proef" in second  # the running header
    assert re.search(rf"2\s*/\s*{pages}", second)


def test_long_table_breaks_across_pages_with_repeated_header(rendered):
    from pypdf import PdfReader

    reader = PdfReader(rendered[0] / "doc.pdf")
    with_rows = [i for i, p in enumerate(reader.pages, 1) if re.search(r"R0[0-8]\d", p.extract_text() or "")]
    assert len(with_rows) >= 2, "the 90-row table spans pages"
    for number in with_rows:
        text = pdf_text(rendered, first=number, last=number)
        assert re.search(r"code\s+name\s+n", text), f"header row repeated on page {number}"
    all_rows = pdf_text(rendered)
    assert all(f"R{i:03d}" in all_rows for i in range(90)), "no row lost"


def test_pdf_words_do_not_overlap(rendered):
    """The layout check the published PDFs get (pipelines/publication/review/pdf_layout.py): no words on top of
    each other, none outside the page (the fixture's landscape page is A4 turned, so size is not asked here)."""
    from pipelines.publication.review.pdf_layout import check_pdf
    from tests.conftest import require_poppler

    require_poppler()
    for name in ("doc.pdf", "doc.en.pdf"):
        problems = [p for p in check_pdf(rendered[0] / name) if p.kind in ("overlap", "outside")]
        assert not problems, problems


# --- charts -----------------------------------------------------------------------------------------------------------

def test_chart_is_embedded_once_with_svg_renderer_alt_text_and_locale(rendered):
    page = html(rendered)
    assert page.count("window.vegaEmbed") == 1, "the Vega bundle is inlined once"
    assert "application/vnd.monitor.dependency" not in page and page.count("vegaEmbed(\"#chart-") == 1
    assert re.search(r'vegaEmbed\("#chart-proef", .*"renderer": "svg"', page)
    assert '"description": "ALT-NL' in page and '"width": "container"' in page and '"tooltip"' in page
    assert '"decimal": ","' in page and '"thousands": "."' in page  # nl-NL number locale in the spec
    assert '"decimal": "."' in html(rendered, "doc.en.html")


def test_chart_csv_carries_provenance_and_is_linked(rendered):
    out = rendered[0]
    rows = list(csv.DictReader((out / "data" / "proef.csv").open(encoding="utf-8")))
    assert [r["value"] for r in rows] == ["22500.0", "23500.0", "27304.0"]
    assert {"source", "vintage", "status", "licence"} <= set(rows[0])
    assert (out / "data" / "proef.en.csv").exists()
    assert (out / "data" / "notes.en.json").read_text() == '{"edition": "en"}', "other files cells write there too"
    assert 'href="data/proef.csv"' in html(rendered) and 'href="data/proef.en.csv"' in html(rendered, "doc.en.html")


def test_chart_has_table_alternative_and_source_line(rendered):
    page = html(rendered)
    details = page[page.index("<details"):page.index("</details>")]
    assert "Toon als tabel" in details and "27.304" in details and "<table" in details
    assert "Show as table" in html(rendered, "doc.en.html")
    text = pdf_text(rendered)
    assert "Bron: Inspectie SZW" in text and "27.304" in text
    assert "ALT-EN" not in text


def test_chart_in_pdf_has_alt_text(rendered):
    from pypdf import PdfReader

    reader = PdfReader(rendered[0] / "doc.pdf")
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt", "")))
            for key in ("/K",):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert any(alt.startswith("ALT-NL Inspectie SZW <img") for alt in found), found
    assert "PLAIN-ALT text" in found, "#| fig-alt"


def test_chart_renders_in_a_browser_offline(rendered, tmp_path):
    from tests.conftest import offline_dom

    dom = offline_dom(rendered[0] / "doc.html", tmp_path)
    assert dom.count('class="marks"') == 1
    assert re.search(r'class="marks" width="[1-9]', dom), "the chart has a width (container sizing works)"


# --- escaping: text from data is text, on every path -----------------------------------------------------------------
# HOSTILE (doc.qmd) holds raw HTML, Markdown emphasis, a link, a citation/cross-reference, a shortcode, math,
# Typst markup and a closing </script>. It reaches the page as: an inline expression, a table cell, a table note,
# a caption (inline expression inside the caption span), a chart title, a chart's source line (CSV source column),
# the chart's alt text and the chart's table alternative.

HOSTILE_TEXT = "Inspectie SZW <img src=x onerror=alert(1)> *nadruk* @fig-chart [link](http://x) `code`"


def _outside_scripts(page: str) -> str:
    return re.sub(r"<script.*?</script>", "", page, flags=re.S)


def test_hostile_text_never_becomes_html(rendered):
    for name in ("doc.html", "doc.en.html"):
        page = html(rendered, name)
        markup = _outside_scripts(page)
        assert "<img" not in markup and "onerror=alert(1)>" not in markup, name
        assert "<em>nadruk</em>" not in markup and 'href="http://x"' not in markup, name
        assert "&lt;img src=x onerror=alert(1)&gt;" in markup
        assert "{{&lt; meta x &gt;}}" in markup, "the shortcode is shown, not run"


def test_hostile_text_appears_as_text_on_every_html_path(rendered):
    page = html(rendered)
    text = visible_text(_outside_scripts(page)).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    inline = "Bron: " + HOSTILE_TEXT
    assert inline in text, "inline expression"
    assert f"FIGCAP-NL {HOSTILE_TEXT}" in text, "caption built from data"
    assert text.count(HOSTILE_TEXT) >= 6, "inline, caption, table cells (3), table note, source line, chart table"
    assert 'aria-label="ALT-NL Inspectie SZW &lt;img src=x onerror=alert(1)&gt;' in page, "alt text as attribute text"
    spec = page[page.index('vegaEmbed("#chart-proef"'):]
    assert "<\\/script>" in spec.split("</script>", 1)[0], "data in the spec cannot close the script element"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_hostile_text_appears_as_text_in_pdf(rendered):
    text = pdf_text(rendered)
    assert _squash(f"Bron: {HOSTILE_TEXT}") in _squash(text), "inline expression"
    assert _squash(f"FIGCAP-NL {HOSTILE_TEXT}") in _squash(text), "caption"
    assert text.count("<img src=x onerror=alert(1)>") >= 6, "inline, caption, cells, note, source line, chart table"
    assert "#strong[x]" in text and "$x$" in text, "Typst markup and math are shown, not run"


def test_hostile_chart_title_is_drawn_as_text(rendered, tmp_path):
    from tests.conftest import offline_dom

    dom = offline_dom(rendered[0] / "doc.html", tmp_path)
    assert not re.search(r"<img\b", _outside_scripts(dom)), "no element was made from the data, after scripts ran"
    start = dom.index('class="marks"')
    svg = dom[start:dom.index("</svg>", start)]
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg, "the chart title is SVG text"
    assert _squash("Inspectie SZW <img src=x onerror=alert(1)>") in _squash(pdf_text(rendered, first=3))


def test_hostile_tooltip_is_shown_as_text(rendered, tmp_path):
    """The chart's tooltip handler (vega-tooltip, from the page's own inlined bundle) gets a data value with
    markup; the tooltip element must hold it as text. Runs in headless Chromium with the network closed."""
    from tests.conftest import offline_dom

    page = html(rendered)
    probe = """<div id="probe"></div><script>
vegaEmbed("#probe", {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": [{"a": 1}]},
  "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}, {"renderer": "svg"}).then(r => {
  const value = {"Uitgever": "Inspectie SZW <img src=x onerror=alert(1)>"};
  r.view.tooltip()(r.view, new MouseEvent("mousemove", {clientX: 10, clientY: 10}), {}, value);
  const el = document.getElementById("vg-tooltip-element");
  document.body.setAttribute("data-tooltip", el ? el.innerHTML : "NO-TOOLTIP");
});
</script></body>"""
    probe_page = tmp_path / "probe.html"
    head, _, tail = page.rpartition("</body>")  # the last one: the inlined bundle's code contains the string too
    probe_page.write_text(head + probe + tail, encoding="utf-8")
    dom = offline_dom(probe_page, tmp_path / "profile")
    shown = re.search(r'data-tooltip="([^"]*)"', dom)
    assert shown, "the tooltip handler ran"
    tooltip = shown.group(1)
    assert "Inspectie SZW" in tooltip and "&amp;lt;img" in tooltip, tooltip
    assert "<img" not in tooltip and "&lt;img src" not in tooltip.replace("&amp;lt;img src", ""), tooltip


def test_number_sections_false_numbers_nothing_and_references_show_the_title(tmp_path):
    project = make_project(tmp_path)
    shutil.rmtree(project / "chapters")
    (project / "doc.qmd").write_text("---\nnumber-sections: false\n---\n\n# Alpha {#sec-alpha}\n\nSee @sec-alpha.\n",
                                     encoding="utf-8")
    render(project / "doc.qmd", tmp_path / "out", env={})
    page = (tmp_path / "out" / "doc.html").read_text(encoding="utf-8")
    assert 'class="header-section-number"' not in page
    assert re.search(r'See <a href="#sec-alpha"[^>]*>Alpha</a>', page)
    text = pdf_text((tmp_path / "out", {}), "doc.pdf")
    assert "See Alpha." in text and "1 Alpha" not in text


def _edition_project(tmp_path: Path) -> Path:
    """The fixture with its edition label naming the edition being built (as reports/_quarto-*.yml do)."""
    project = make_project(tmp_path)
    shutil.rmtree(project / "chapters")
    (project / "doc.qmd").write_text("# Alpha {#sec-alpha}\n\nText.\n", encoding="utf-8")
    for profile, label in (("nl", "Editie {edition}"), ("en", "{edition} edition")):
        config = project / f"_quarto-{profile}.yml"
        text = config.read_text(encoding="utf-8")
        text = re.sub(r'(?m)^edition: .*$', f'edition: "{label}"\nsubtitle: "{label} — *proef*"', text)
        config.write_text(text, encoding="utf-8")
    return project


def test_the_edition_label_is_the_edition_being_built(tmp_path):
    """``{edition}`` in the profile's edition and subtitle is MONITOR_EDITION, on the title page, in the running
    header and in the HTML; the subtitle stays Markdown."""
    project = _edition_project(tmp_path)
    out = tmp_path / "out"
    render(project / "doc.qmd", out, env={"MONITOR_EDITION": "2031"})
    page = (out / "doc.html").read_text(encoding="utf-8")
    assert "Editie 2031 — <em>proef</em>" in page and "{edition}" not in page
    assert "2031 edition — <em>proef</em>" in (out / "doc.en.html").read_text(encoding="utf-8")
    first = pdf_text((out, {}), "doc.pdf", first=1, last=1)
    assert "Editie 2031 — proef" in first and "{edition}" not in first
    assert "Editie 2031" in pdf_text((out, {}), "doc.pdf", first=2, last=2)  # the running header
    assert "2031 edition" in pdf_text((out, {}), "doc.en.pdf", first=1, last=1)


def test_an_edition_label_without_an_edition_fails_before_anything_runs(tmp_path):
    from pipelines.publication.engine.errors import RenderError

    project = _edition_project(tmp_path)
    with pytest.raises(RenderError, match=r"_quarto-nl\.yml: '(subtitle|edition): Editie \{edition\}.*' names the edition.*MONITOR_EDITION"):
        render(project / "doc.qmd", tmp_path / "out", env={})
    assert not (tmp_path / "out" / "doc.html").exists()


def test_editions_rendered_in_parallel_equal_those_rendered_one_after_another(rendered, tmp_path, monkeypatch):
    """The editions render in parallel threads, each with its own kernel (policy.RENDER_PARALLEL_EDITIONS): every
    document and chart CSV is byte for byte what rendering them one at a time gives, so no edition sees another's
    profile, kernel or files."""
    from pipelines import policy

    assert policy.RENDER_PARALLEL_EDITIONS > 1, "the module fixture renders in parallel"
    monkeypatch.setattr(policy, "RENDER_PARALLEL_EDITIONS", 1)
    project = make_project(tmp_path)
    out = tmp_path / "out"
    produced = render(project / "doc.qmd", out, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert sorted(produced) == sorted(rendered[1])

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    parallel, serial = files(rendered[0]), files(out)
    assert sorted(parallel) == sorted(serial)
    assert [name for name in parallel if parallel[name] != serial[name]] == []
