"""The PDF layout, checked from the PDF itself: A4 pages, no words drawn on top of each other or outside the
page, no page left with a lone heading. First the checker is shown to catch each fault on small Typst PDFs,
then every PDF the build publishes is checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import typst

from pipelines.publication.review.pdf_layout import check_pdf, parse_bbox_layout
from pipelines.publication.review.published import published
from tests.conftest import require_poppler

PARAGRAPH = "Deze monitor bouwt de cijfers over arbeidsmigratie opnieuw op uit hun bronnen. " * 12


def typst_pdf(tmp_path: Path, body: str, paper: str = "a4", name: str = "doc") -> Path:
    source = f'#set page(paper: "{paper}", margin: 2cm)\n#set text(font: "DejaVu Sans", size: 10pt)\n{body}\n'
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(typst.compile(source.encode("utf-8"), format="pdf"))
    return pdf


def kinds(problems) -> set[str]:
    return {p.kind for p in problems}


def test_checker_passes_a_clean_a4_document(tmp_path):
    require_poppler()
    pdf = typst_pdf(tmp_path, f"= Titel\n{PARAGRAPH}\n#pagebreak()\n= Tweede\n{PARAGRAPH}\n\n{PARAGRAPH}")
    assert check_pdf(pdf) == []


def test_checker_catches_words_printed_on_top_of_each_other(tmp_path):
    require_poppler()
    rows = "\n".join(f"#place(top + left, dx: 2cm, dy: 10cm + {i * 0.5}pt)[rij {i} bronbestand_{i}.csv]"
                     for i in range(6))  # six table rows squeezed into 3 pt, as the old sources table was
    pdf = typst_pdf(tmp_path, f"{PARAGRAPH}\n{rows}")
    problems = check_pdf(pdf)
    assert kinds(problems) == {"overlap"}
    assert problems[0].page == 1 and "'rij' over 'rij'" in problems[0].detail


def test_checker_catches_text_outside_the_page(tmp_path):
    require_poppler()
    pdf = typst_pdf(tmp_path, f"{PARAGRAPH}\n#place(top + left, dx: 20cm)[buitenkant pagina]")
    problems = check_pdf(pdf)
    assert kinds(problems) == {"outside"}
    assert "2 words outside" in problems[0].detail and "'buitenkant' at (" in problems[0].detail


def test_checker_catches_us_letter(tmp_path):
    require_poppler()
    problems = check_pdf(typst_pdf(tmp_path, PARAGRAPH, paper="us-letter"))
    assert kinds(problems) == {"size"} and "612 x 792 pt" in problems[0].detail


def test_checker_takes_a4_landscape_as_a4(tmp_path):
    require_poppler()
    pdf = typst_pdf(tmp_path, f"{PARAGRAPH}\n#page(flipped: true)[{PARAGRAPH}]")
    assert "size" not in kinds(check_pdf(pdf))


def test_checker_catches_a_heading_alone_on_a_page(tmp_path):
    require_poppler()
    header = 'header: [Monitor Arbeidsmigratie #h(1fr) Editie 2025], footer: context [#h(1fr) #counter(page).display("1 / 1", both: true)]'
    body = (f"#set page({header})\n= Titelpagina\n#pagebreak()\n= Hoofdstuk 1\n{PARAGRAPH}\n#pagebreak()\n"
            f"= Bronnen en methode\n#pagebreak()\n{PARAGRAPH}")
    problems = check_pdf(typst_pdf(tmp_path, body))
    assert [(p.kind, p.page) for p in problems] == [("lonely", 3)]
    assert "Bronnen en methode" in problems[0].detail


def test_bbox_parser_reads_pages_lines_and_escaped_words():
    xhtml = ('<doc><page width="595.276" height="841.89"><flow><block xMin="1" yMin="2" xMax="3" yMax="4">'
             '<line xMin="1" yMin="2" xMax="3" yMax="4"><word xMin="1.5" yMin="2" xMax="3" yMax="4">&lt;img&gt;</word>'
             '<word xMin="3.5" yMin="2" xMax="5" yMax="4">a&amp;b</word></line></block></flow></page>'
             '<page width="612" height="792"></page></doc>')
    first, second = parse_bbox_layout(xhtml)
    assert (first.width, first.height, second.width) == (595.276, 841.89, 612.0)
    assert [line.text for line in first.lines] == ["<img> a&b"] and second.lines == ()


@pytest.mark.slow
def test_every_published_pdf_is_a4_without_overprinting_or_lone_headings(built):
    require_poppler()
    pdfs = published(built.output, ".pdf")
    assert built.output / "monitor.pdf" in pdfs, "the Dutch PDF edition is published"
    problems = [problem for pdf in pdfs for problem in check_pdf(pdf)]
    assert not problems, "layout problems in the published PDF:\n" + "\n".join(map(str, problems))
