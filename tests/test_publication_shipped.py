"""The shipped publication (reports/) through the offline engine, with hostile source text in the database:
a sidecar's producer and CBS fields that carry markup reach the tables, the chart's source line, its CSV and
table alternative as text, in both editions, HTML and PDF; and both editions show the same floats."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from pipelines.publication.assets import report_env
from pipelines.publication.engine import render
from pipelines.settings import REPORTS_DIR
from tests.test_publication_engine import pdf_text, visible_text

pytestmark = pytest.mark.slow

PRODUCER = "Inspectie SZW <img src=x onerror=alert(1)>"
CBS = "Centraal Bureau voor de Statistiek <script>alert(2)</script> *CBS*"


@pytest.fixture(scope="module")
def hostile_edition(built, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shipped")
    database = tmp / "monitor.duckdb"
    shutil.copy(built.output / "monitor.duckdb", database)
    database.chmod(0o644)
    with duckdb.connect(str(database)) as con:
        con.execute("UPDATE raw_snapshots__origins SET producer = ? WHERE snapshot_id LIKE 'arbeidsinspectie/%'",
                    [PRODUCER])
        con.execute("UPDATE raw_snapshots__origins SET producer = ? WHERE snapshot_id LIKE 'cbs/%'", [CBS])
    out = tmp / "out"
    produced = render(REPORTS_DIR / "monitor.qmd", out, env=report_env(database))
    return out, produced


def _markup(page: str) -> str:
    return re.sub(r"<script>.*?</script>", "", page, flags=re.S)


def test_both_editions_are_rendered(hostile_edition):
    assert sorted(hostile_edition[1]) == ["monitor.en.html", "monitor.en.pdf", "monitor.html", "monitor.pdf"]


@pytest.mark.parametrize("name", ["monitor.html", "monitor.en.html"])
def test_hostile_source_text_is_text_in_html(hostile_edition, name):
    page = (hostile_edition[0] / name).read_text(encoding="utf-8")
    markup = _markup(page)
    assert "<img" not in markup and "alert(2)</script>" not in page.replace("<\\/script>", "")
    assert "<em>CBS</em>" not in markup
    assert "Inspectie SZW &lt;img src=x onerror=alert(1)&gt;" in re.sub(r"\s+", " ", markup)  # the sources table
    text = visible_text(markup).replace("&lt;", "<").replace("&gt;", ">")
    assert f"{CBS.split(' *')[0]} *CBS*" in text  # the chart's source line


@pytest.mark.parametrize("name", ["monitor.pdf", "monitor.en.pdf"])
def test_hostile_source_text_is_text_in_pdf(hostile_edition, name):
    text = re.sub(r"\s+", "", pdf_text(hostile_edition, name))
    assert re.sub(r"\s+", "", PRODUCER) in text and re.sub(r"\s+", "", CBS) in text


def test_chart_csv_carries_the_source_text_unchanged(hostile_edition):
    csv_text = (hostile_edition[0] / "data" / "spanning.csv").read_text(encoding="utf-8")
    assert CBS in csv_text and csv_text.splitlines()[0].endswith("source,licence")


def test_editions_show_the_same_floats_and_figures(hostile_edition):
    nl = (hostile_edition[0] / "monitor.html").read_text(encoding="utf-8")
    en = (hostile_edition[0] / "monitor.en.html").read_text(encoding="utf-8")
    ids = re.compile(r'id="((?:fig|tbl|sec)-[\w-]+)"')
    assert ids.findall(nl) == ids.findall(en) and ids.findall(nl)
    numbers = re.compile(r"\d[\d.,]*\d")
    assert len(numbers.findall(visible_text(_markup(nl)))) > 20
    # the same figures in both editions' chart data; only the series labels are in the edition's language
    import csv

    def figures(name: str) -> list[dict]:
        rows = csv.DictReader((hostile_edition[0] / "data" / name).open(encoding="utf-8"))
        return [{k: v for k, v in r.items() if k != "series"} for r in rows]

    assert figures("spanning.csv") == figures("spanning.en.csv") and figures("spanning.csv")
