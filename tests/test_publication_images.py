"""The images of docs/publication.md: the page lists every image the script made; PNGs shrink losslessly."""

import zlib

import typst

from pipelines.publication.review import images
from pipelines.publication.review.png import _chunks, recompress


def test_markdown_shows_every_pdf_page_and_chart_of_every_edition(monkeypatch, tmp_path):
    monkeypatch.setattr(images, "IMAGES", tmp_path)
    for name in ["nl-html-chart-a.png"]:
        (tmp_path / name).write_bytes(b"x" * 2048)
    editions = {
        "nl": {"html": {"page": "monitor.html", "check": "1 of 1 charts rendered", "desktop": "nl-html-desktop.png",
                        "phone": "nl-html-phone.png", "charts": [("chart-a", "nl-html-chart-a.png")]},
               "pdf": {"pdf": "monitor.pdf", "pages": [f"nl-pdf-page-{i:02d}.png" for i in range(1, 7)],
                       "sizes": ["595 x 842 pt"], "problems": []}},
        "en": {"pdf": {"pdf": "monitor.en.pdf", "pages": ["en-pdf-page-01.png"], "sizes": ["612 x 792 pt"],
                       "problems": ["monitor.en.pdf page 1: the page: 612 x 792 pt, not A4"]}},
    }
    text = images.markdown({"run_id": "r1"}, editions)
    for name in ["nl-html-desktop.png", "nl-html-phone.png", "nl-html-chart-a.png", "en-pdf-page-01.png",
                 *[f"nl-pdf-page-{i:02d}.png" for i in range(1, 7)]]:
        assert f'src="publication/{name}"' in text, name
    assert "## Dutch edition (nl)" in text and "## English edition (en)" in text
    assert "no problems found" in text and "not A4" in text and images.COMMAND in text


def test_recompress_keeps_every_pixel(tmp_path):
    png = tmp_path / "page.png"
    png.write_bytes(typst.compile(b"#set page(width: 8cm, height: 4cm)\nHallo, wereld.", format="png", ppi=72))

    def pixels(data):
        return zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))

    before = png.read_bytes()
    size = recompress(png)
    after = png.read_bytes()
    assert size == len(after) <= len(before)
    assert pixels(after) == pixels(before)
    assert dict(_chunks(after))[b"IHDR"] == dict(_chunks(before))[b"IHDR"]
