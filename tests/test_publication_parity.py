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
