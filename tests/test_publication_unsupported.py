"""The offline publication engine rejects what it does not implement, naming the file and line (or key),
before any cell runs; and the report kit fails loudly on misuse. Fast: nothing is rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.publication.engine import RenderError, render
from pipelines.publication.engine.project import load

FIXTURE = Path(__file__).parent / "publication_fixture"


def _render(tmp_path: Path, body: str, config: str | None = None, chapter: str | None = None) -> None:
    (tmp_path / "doc.qmd").write_text(body, encoding="utf-8")
    if config is not None:
        (tmp_path / "_quarto.yml").write_text(config, encoding="utf-8")
    if chapter is not None:
        (tmp_path / "chapter.qmd").write_text(chapter, encoding="utf-8")
    render(tmp_path / "doc.qmd", tmp_path / "out", env={})


@pytest.mark.parametrize("body, message", [
    ("Text\n\n```{python}\n#| fig-width: 6\nx = 1\n```\n", r"doc\.qmd:4: cell option '#\| fig-width' is not supported"),
    ("Text\n\n{{< video x.mp4 >}}\n", r"doc\.qmd:3: shortcode 'video' is not supported"),
    ("Text {{< meta title >}} here\n", r"doc\.qmd:1: shortcode 'meta' is not supported"),
    ("::: {.panel-tabset}\nx\n:::\n", r"doc\.qmd:1: div class '\.panel-tabset' is not supported"),
    ("::: columns\nx\n:::\n", r"doc\.qmd:1: div class '\.columns' is not supported"),
    ("A [word]{.mark} here\n", r"doc\.qmd:1: span class '\.mark' is not supported"),
    ("::: {.content-visible when-format=\"docx\"}\nx\n:::\n", r"doc\.qmd:1: when-format=\"docx\""),
    ("::: {.callout-note collapse=\"true\"}\nx\n:::\n", r"doc\.qmd:1: div attribute 'collapse' is not supported"),
    ("::: {#intro}\nx\n:::\n", r"doc\.qmd:1: div id '#intro'"),
    ("::: {.content-visible when-profile=\"en\" title=\"x\"}\nx\n:::\n", r"doc\.qmd:1: title=\"…\" is only supported on callouts"),
    ("# Bijlage {#sec-b .appendix}\n", r"doc\.qmd:1: heading class '\.appendix' is not supported"),
    ("See @fig-missing.\n", r"doc\.qmd:1: cross-reference @fig-missing points to nothing"),
    ("```{r}\n1\n```\n", r"doc\.qmd:1: ```\{r\} cells are not supported"),
    ("---\ntitle: x\nformat: {docx: default}\n---\ntext\n", r"doc\.qmd: key 'format\.docx' is not supported"),
    ("---\ntitle: x\ncode-fold: true\n---\ntext\n", r"doc\.qmd: key 'code-fold' is not supported"),
])
def test_unsupported_source_fails_naming_file_and_line(tmp_path, body, message):
    with pytest.raises(RenderError, match=message):
        _render(tmp_path, body)


def test_unknown_project_key_fails_naming_file_and_key(tmp_path):
    with pytest.raises(RenderError, match=r"_quarto\.yml: key 'format\.html\.code-fold' is not supported"):
        _render(tmp_path, "text\n", config="format:\n  html:\n    code-fold: true\n")
    with pytest.raises(RenderError, match=r"_quarto\.yml: key 'website' is not supported"):
        _render(tmp_path, "text\n", config="website:\n  title: x\n")
    with pytest.raises(RenderError, match=r"'project\.type: book' is not supported"):
        _render(tmp_path, "text\n", config="project:\n  type: book\n")


def test_unknown_key_in_a_profile_file_fails(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "_quarto-en.yml").write_text("lang: en\nbrand: x\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"_quarto-en\.yml: key 'brand' is not supported"):
        load(tmp_path / "p", "en")


def test_missing_profile_file_fails(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "p")
    (tmp_path / "p" / "_quarto-en.yml").unlink()
    with pytest.raises(RenderError, match=r"profile 'en' has no file _quarto-en\.yml"):
        render(tmp_path / "p" / "doc.qmd", tmp_path / "out", env={})


def test_errors_in_an_included_chapter_name_the_chapter_and_line(tmp_path):
    with pytest.raises(RenderError, match=r"chapter\.qmd:3: div class '\.panel-tabset'"):
        _render(tmp_path, "Intro\n\n{{< include chapter.qmd >}}\n", chapter="# A\n\n::: {.panel-tabset}\nx\n:::\n")


def test_missing_include_names_the_including_file_and_line(tmp_path):
    with pytest.raises(RenderError, match=r"doc\.qmd:3: include file not found: nope\.qmd"):
        _render(tmp_path, "Intro\n\n{{< include nope.qmd >}}\n")


def test_include_cycle_and_front_matter_in_include_fail(tmp_path):
    with pytest.raises(RenderError, match=r"chapter\.qmd:1: include cycle"):
        _render(tmp_path, "{{< include chapter.qmd >}}\n", chapter="{{< include chapter.qmd >}}\n")
    with pytest.raises(RenderError, match=r"doc\.qmd:1: included file chapter\.qmd has front matter"):
        _render(tmp_path, "{{< include chapter.qmd >}}\n", chapter="---\ntitle: x\n---\ntext\n")


def _in_project(tmp_path: Path, body: str) -> Path:
    from tests.test_publication_engine import make_project

    project = make_project(tmp_path)
    shutil.rmtree(project / "chapters")
    (project / "doc.qmd").write_text(body, encoding="utf-8")
    return project


def test_missing_project_files_fail_before_any_cell_runs(tmp_path):
    project = _in_project(tmp_path, "```{python}\nraise SystemExit('must not run')\n```\n")
    (project / "refs.bib").unlink()
    with pytest.raises(RenderError, match=r"_quarto\.yml: bibliography file not found: refs\.bib"):
        render(project / "doc.qmd", tmp_path / "out", env={})
    (project / "refs.bib").write_text("", encoding="utf-8")
    (project / "typst-show.typ").unlink()
    with pytest.raises(RenderError, match=r"_quarto\.yml: template partial not found: typst-show\.typ"):
        render(project / "doc.qmd", tmp_path / "out", env={})


def test_a_float_label_without_caption_fails(tmp_path):
    project = _in_project(tmp_path, "```{python}\n#| label: fig-x\nx = 1\n```\n")
    with pytest.raises(RenderError, match=r"doc\.qmd:1: cell 'fig-x' is a fig float: give it '#\| fig-cap'"):
        render(project / "doc.qmd", tmp_path / "out", env={})
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir()), "nothing half-written"


def test_a_failing_cell_names_file_line_and_label(tmp_path):
    project = _in_project(tmp_path, "Text\n\n```{python}\n#| label: boom\n1 / 0\n```\n")
    with pytest.raises(RenderError, match=r"doc\.qmd:3: cell boom failed"):
        render(project / "doc.qmd", tmp_path / "out", env={})


def test_a_failure_in_the_second_edition_leaves_nothing_in_the_output(tmp_path):
    """The Dutch edition renders and writes its chart CSV; the English one fails: no document, no CSV published."""
    project = _in_project(tmp_path, """```{python}
import polars as pl, altair as alt
from pipelines.publication.report_kit import chart, lang
rows = pl.DataFrame({"x": [1, 2], "source": ["S"] * 2, "vintage": ["v"] * 2, "status": ["s"] * 2, "licence": ["l"] * 2})
chart(alt.Chart(rows).mark_point().encode(x="x:Q"), name="c", data=rows, alt="A", plain=["x"])
assert lang() == "nl", "the English edition fails"
```
""")
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="the English edition fails"):
        render(project / "doc.qmd", out, env={})
    assert sorted(p.name for p in out.rglob("*")) == [], "nothing half-written"


def test_an_image_without_alt_text_fails_naming_the_cell(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    project = _in_project(tmp_path, "```{python}\n#| label: fig-x\n#| fig-cap: A\nfrom IPython.display import SVG\n"
                                    f"SVG('{svg}')\n```\n")
    with pytest.raises(RenderError, match=r"doc\.qmd:1: cell fig-x shows an image without alt text"):
        render(project / "doc.qmd", tmp_path / "out", env={})


def test_generated_markdown_with_an_unknown_div_class_fails(tmp_path):
    """Markdown made by a cell is not in the source file; pandoc's filter still refuses the class by name."""
    project = _in_project(tmp_path, "```{python}\nfrom IPython.display import Markdown\n"
                                    "Markdown('::: {.panel-tabset}\\nx\\n:::')\n```\n")
    with pytest.raises(RenderError, match=r"div class \.panel-tabset is not supported"):
        render(project / "doc.qmd", tmp_path / "out", env={})


def test_an_unknown_citation_fails_naming_file_and_line(tmp_path):
    project = _in_project(tmp_path, "Known [@ser2025arbeidsmigratie].\n\nUnknown [@nobody2024; @ser2025arbeidsmigratie].\n"
                                    "Mail info@example.org is not a citation.\n")
    with pytest.raises(RenderError, match=r"doc\.qmd:3: citation @nobody2024 is not in the bibliography"):
        render(project / "doc.qmd", tmp_path / "out", env={})


def test_a_pandoc_warning_fails_the_render(tmp_path):
    """pandoc runs with --fail-if-warnings: e.g. an image that does not exist is not silently left out."""
    project = _in_project(tmp_path, "Text.\n\n![Alt text](nope.png)\n")
    with pytest.raises(RenderError, match=r"nope\.png"):
        render(project / "doc.qmd", tmp_path / "out", env={})
