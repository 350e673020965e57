"""Both editions show the same figures with the same values.

Every chapter records each figure it prints (an id and the value) per edition in data/figures.json (Dutch) and
data/figures.en.json (English); the two lists must be equal, cover every headline sub-figure and key figure, and the
values of the key figures must appear in each edition's text in that edition's notation.
"""

import json
import re

import duckdb
import pytest

from pipelines.publication.kit.numbers import fmt

pytestmark = pytest.mark.slow


def _text(html: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_both_editions_show_the_same_figure_ids_with_the_same_values(built):
    nl = json.loads((built.output / "data/figures.json").read_text(encoding="utf-8"))
    en = json.loads((built.output / "data/figures.en.json").read_text(encoding="utf-8"))
    assert nl and nl == en, {k for k in set(nl) | set(en) if nl.get(k) != en.get(k)}
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        checks = [r[0] for r in con.execute("SELECT figure_id FROM mart__headline_checks").fetchall()]
        key = con.execute("SELECT figure_id, value FROM mart__key_figures WHERE value IS NOT NULL").fetchall()
        chapter_rows = con.execute("SELECT count(*) FROM mart__chapter_figures").fetchone()[0]
    assert {f"sec-controle/{f}/cited" for f in checks} <= set(nl)
    assert {f for f, _ in key} <= set(nl)
    assert sum(1 for k in nl if k.startswith("sec-") and k.count("/") == 2 and "controle" not in k) >= chapter_rows
    for figure_id, value in key:
        assert nl[figure_id] == pytest.approx(value)


def test_key_figures_are_printed_in_each_editions_notation(built):
    html = {"nl": _text((built.output / "monitor.html").read_text(encoding="utf-8")),
            "en": _text((built.output / "monitor.en.html").read_text(encoding="utf-8"))}
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        key = con.execute("SELECT figure_id, value FROM mart__key_figures WHERE value >= 1000").fetchall()
    assert key
    for lang, text in html.items():
        for figure_id, value in key:
            assert fmt(value, 0, lang=lang) in text, (lang, figure_id, value)


def test_no_word_of_either_edition_is_printed_on_another_or_off_the_page(built):
    """pdftotext -bbox word boxes of every page of both published PDFs: inside the page, never overlapping."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    for name in ("monitor.pdf", "monitor.en.pdf"):
        bbox = subprocess.run(["pdftotext", "-bbox", str(built.output / name), "-"], capture_output=True, text=True,
                              check=True).stdout
        for number, page in enumerate(bbox.split("<page ")[1:], 1):
            width, height = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
            words = [(*(float(v) for v in m[:4]), m[4]) for m in
                     re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)]
            for i, a in enumerate(words):
                assert 0 <= a[0] and a[2] <= width + 0.5 and 0 <= a[1] and a[3] <= height + 0.5, (name, number, a)
                for b in words[i + 1:]:
                    overlap = min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
                    assert not overlap, (name, number, a, b)
