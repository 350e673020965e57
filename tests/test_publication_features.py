"""Every feature the shipped documents (reports/) use is one the offline engine handles, proven by a named test
of tests/test_publication_engine.py (which renders a project using that feature and checks the output).

A chapter that starts using a new Quarto feature fails here until the engine implements it and a test proves
it; a feature the engine does not support at all already fails the render, naming file and line."""

from __future__ import annotations

import tests.test_publication_engine as engine_tests
from pipelines.publication.engine.inventory import features_used
from pipelines.publication.engine.qmd import parse
from pipelines.settings import REPO_ROOT

REPORT = REPO_ROOT / "reports" / "monitor.qmd"

# feature -> the tests that prove the engine handles it (in both editions, HTML and PDF where it applies)
PROOF = {
    "include": ["test_includes_are_resolved"],
    "inline": ["test_numbers_are_written_per_language", "test_hostile_text_appears_as_text_on_every_html_path"],
    "option:label": ["test_cross_references_are_numbered_and_linked_in_html"],
    "option:fig-cap": ["test_cross_references_are_numbered_and_linked_in_html"],
    "option:tbl-cap": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf"],
    "option:fig-alt": ["test_chart_in_pdf_has_alt_text"],
    "option:echo": ["test_every_profile_renders_html_and_pdf"],
    "option:output": ["test_every_profile_renders_html_and_pdf"],
    "option:include": ["test_every_profile_renders_html_and_pdf"],
    "option:warning": ["test_every_profile_renders_html_and_pdf"],
    "div:.content-visible": ["test_profile_selects_language_and_content", "test_content_by_format"],
    "span:.content-visible": ["test_cross_references_are_numbered_and_linked_in_html", "test_sections_are_numbered_except_unnumbered"],
    "attr:when-profile": ["test_profile_selects_language_and_content"],
    "attr:when-format": ["test_content_by_format"],
    "attr:unless-format": ["test_content_by_format"],
    "div:.callout-note": ["test_callout_with_title"],
    "div:.callout-warning": ["test_callout_with_title"],
    "div:.callout-important": ["test_callout_with_title"],
    "attr:title": ["test_callout_with_title"],
    "float:fig": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf"],
    "float:tbl": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf",
                  "test_long_table_breaks_across_pages_with_repeated_header"],
    "xref:fig": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf"],
    "xref:tbl": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf"],
    "xref:sec": ["test_cross_references_are_numbered_and_linked_in_html", "test_cross_references_and_captions_in_pdf"],
    "heading:#sec": ["test_sections_are_numbered_except_unnumbered"],
    "heading:.unnumbered": ["test_sections_are_numbered_except_unnumbered"],
    "footnote": ["test_footnotes"],
    "citation": ["test_citations_and_bibliography"],
    "refs": ["test_citations_and_bibliography"],
    "config:project.type": ["test_every_profile_renders_html_and_pdf"],
    "config:project.output-dir": ["test_every_profile_renders_html_and_pdf"],
    "config:project.render": ["test_every_profile_renders_html_and_pdf"],
    "config:profile": ["test_every_profile_renders_html_and_pdf", "test_profile_selects_language_and_content"],
    "config:execute.echo": ["test_every_profile_renders_html_and_pdf"],
    "config:execute.warning": ["test_every_profile_renders_html_and_pdf"],
    "config:lang": ["test_profile_selects_language_and_content", "test_pdf_is_a4_tagged_ua_with_title_and_language"],
    "config:title": ["test_pdf_is_a4_tagged_ua_with_title_and_language", "test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:subtitle": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:edition": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:output-file": ["test_every_profile_renders_html_and_pdf"],
    "config:crossref": ["test_cross_references_are_numbered_and_linked_in_html"],
    "config:toc": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:toc-depth": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:toc-title": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "config:number-sections": ["test_sections_are_numbered_except_unnumbered"],
    "config:bibliography": ["test_citations_and_bibliography"],
    "config:link-citations": ["test_citations_and_bibliography"],
    "config:format.html.css": ["test_chart_renders_in_a_browser_offline"],
    "config:format.html.embed-resources": ["test_chart_is_embedded_once_with_svg_renderer_alt_text_and_locale"],
    "config:format.typst.papersize": ["test_pdf_is_a4_tagged_ua_with_title_and_language"],
    "config:format.typst.citeproc": ["test_citations_and_bibliography"],
    "config:format.typst.template-partials": ["test_pdf_has_title_page_toc_running_header_and_page_numbers"],
    "div:.monitor-source": ["test_chart_has_table_alternative_and_source_line"],
    "div:.monitor-colophon": ["test_colophon_is_a_page_of_its_own"],
    "div:.monitor-small": ["test_pdf_words_do_not_overlap"],
    "div:.monitor-landscape": ["test_pdf_is_a4_tagged_ua_with_title_and_language"],
}


def test_the_shipped_documents_parse_with_the_offline_engine():
    parse(REPORT)  # raises RenderError naming file and line for anything unsupported


def test_every_feature_the_shipped_documents_use_is_proven():
    used = features_used(REPORT)
    assert "include" in used and "xref:fig" in used and "float:tbl" in used, "the inventory sees the documents"
    unproven = {feature: where[:3] for feature, where in used.items() if feature not in PROOF}
    assert not unproven, f"features used in reports/ with no engine test proving them: {unproven}"


def test_every_proof_is_a_test_that_exists():
    for feature, names in PROOF.items():
        for name in names:
            assert callable(getattr(engine_tests, name, None)), f"{feature}: no test {name}"
