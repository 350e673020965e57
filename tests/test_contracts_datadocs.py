"""The build publishes its validation report (GX Data Docs) in output/validation/, readable offline."""

from __future__ import annotations

import re

import pytest

from pipelines.validation.contracts import load_contracts
from pipelines.validation.datadocs import external_resources
from tests.conftest import offline_dom

pytestmark = pytest.mark.slow

_LOCAL = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"#?]+)[^"]*"', re.I)


def test_data_docs_are_published_and_self_contained(built):
    site = built.output / "validation"
    pages = sorted(site.rglob("*.html"))
    assert (site / "index.html") in pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert external_resources(html) == [], f"{page} loads from the network"
        for ref in _LOCAL.findall(html):
            assert (page.parent / ref).resolve().is_file(), f"{page.relative_to(site)}: {ref} is not in the site"
    suites = {p.stem for p in (site / "expectations").glob("*.html")}
    assert suites == {f"contract__{t}" for t in load_contracts()}
    validated = {p.stem for p in (site / "validations").rglob("*.html")}
    assert validated == set(load_contracts())
    # the vendored libraries are shipped once in static/, not inlined into every page
    static = {f.name for f in (site / "static").rglob("*") if f.is_file() and f.stat().st_size > 20_000}
    assert static, "the libraries the pages use are in static/"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "jQuery v" not in html and "Bootstrap v" not in html, f"{page.relative_to(site)} inlines a library"


def test_publication_links_the_data_docs(built):
    html = (built.output / "monitor.html").read_text(encoding="utf-8")
    assert 'href="validation/index.html"' in html


def test_data_docs_render_offline_in_a_browser(built, tmp_path):
    """The index lists every table's validation once its (local) scripts ran; skipped without Chromium."""
    dom = offline_dom(built.output / "validation" / "index.html", tmp_path)
    for table in load_contracts():
        assert f"contract__{table}" in dom, table
    assert "bootstrap-table" in dom and 'class="fixed-table-body"' in dom  # bootstrap-table's JS ran
