"""The whole monitor builds from the shipped snapshots, and what it publishes equals the snapshots."""

import csv
import io
import json
import re

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.publication.kit.numbers import fmt
from tests.conftest import SNAPSHOTS, offline_dom, tree_digest

pytestmark = pytest.mark.slow


def nl(value, decimals=0):
    return fmt(value, decimals, lang="nl")

WAGWEU = SNAPSHOTS / "wagweu/kamerstuk_29861_162/derdelanders_meldloket_2021_2024.csv"
VAC = SNAPSHOTS / "cbs/84545NED/84545NED_vacatures_sa_2021KW01_2024KW01.csv"
UNEMP = SNAPSHOTS / "cbs/dashboard_arbeidsmarkt/werkloze_beroepsbevolking_sa_2023KW02_2024KW01.csv"


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _html_text(html: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _pdf_text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


def test_outputs_are_published(built):
    for name in ("monitor.duckdb", "monitor.html", "monitor.pdf", "monitor.en.html", "monitor.en.pdf", "build.json",
                 "data/spanning.csv", "data/spanning.en.csv"):
        assert (built.output / name).stat().st_size > 0, name
    manifest = json.loads((built.output / "build.json").read_text())
    assert manifest["publication_engine"] == "offline"
    assert any(k.startswith("wagweu/") for k in manifest["snapshots"])
    assert not list(built.output.glob(".*partial*")), "no partial files are left behind"


def test_posted_third_country_workers_equal_the_snapshot(built):
    """snapshot CSV -> DuckDB mart -> HTML and PDF: the same 2024 figure at every step."""
    source = next(r for r in _csv(WAGWEU) if r["period"] == "2024")
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        value, snapshot_id, row = con.execute(
            "SELECT value, snapshot_id, source_row FROM mart__posted_workers "
            "WHERE year = 2024 AND indicator_id = 'derdelanders_ten_minste_1_dag_werkzaam_volgens_meldloket'"
        ).fetchone()
    assert value == float(source["value"])
    assert snapshot_id == WAGWEU.relative_to(SNAPSHOTS).as_posix() and row == 4
    shown = nl(value)
    assert shown in _html_text((built.output / "monitor.html").read_text(encoding="utf-8"))
    assert shown in _pdf_text(built.output / "monitor.pdf")
    shown_en = fmt(value, lang="en")  # the English edition writes 27,304
    assert shown_en in _html_text((built.output / "monitor.en.html").read_text(encoding="utf-8"))
    assert shown_en in _pdf_text(built.output / "monitor.en.pdf")


def test_tension_is_recomputed_from_the_snapshot_parts(built):
    vacancies = {r["Perioden"]: float(r["vacatures_sa_openstaand_x1000"]) for r in _csv(VAC)}
    unemployed = {r["Perioden"]: float(r["werkloze_beroepsbevolking_x1000"]) for r in _csv(UNEMP)}
    latest = max(set(vacancies) & set(unemployed))
    expected = round(100 * vacancies[latest] / unemployed[latest], 1)
    with duckdb.connect(str(built.output / "monitor.duckdb"), read_only=True) as con:
        period, ratio = con.execute(
            "SELECT period_code, vacancies_per_100_unemployed FROM mart__labour_market_tension "
            "WHERE is_latest ORDER BY period_code DESC LIMIT 1").fetchone()
        q4_2021 = con.execute("SELECT vacancies_per_100_unemployed_rounded FROM mart__labour_market_tension "
                              "WHERE is_latest AND period_code = '2021KW04'").fetchone()[0]
    assert (period, ratio) == (latest, expected)
    assert q4_2021 == 106  # as CBS published for 2021Q4 after its revision (first released as 105)
    shown = nl(ratio, 1)
    assert shown in _html_text((built.output / "monitor.html").read_text(encoding="utf-8"))
    assert shown in _pdf_text(built.output / "monitor.pdf")


def test_html_is_self_contained_with_an_interactive_chart(built):
    html = (built.output / "monitor.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "no external scripts"
    assert not re.search(r"https?://cdn", html), "no CDN"
    assert "window.vegaEmbed" in html, "the Vega libraries are inlined"
    charts = len([p for p in (built.output / "data").glob("*.csv") if not p.name.endswith(".en.csv")])
    assert len(re.findall(r'vegaEmbed\("#chart-[\w-]+"', html)) == charts > 1
    assert "Derdelanders die ten minste één dag in Nederland werkten" in _html_text(html) and "<table" in html


def test_pdf_has_the_chart_and_the_table(built):
    text = _pdf_text(built.output / "monitor.pdf")
    assert "Vacatures per 100 werklozen" in text  # axis title drawn from the chart's SVG
    assert "Figuur 1" in text and "Tabel 1" in text
    assert "Derdelanders die ten minste één dag in Nederland werkten" in text


def test_chart_renders_in_a_browser_offline(built, tmp_path):
    """Counts rendered Vega marks in headless Chromium, with the network closed (skipped without Chromium)."""
    dom = offline_dom(built.output / "monitor.html", tmp_path)
    html = (built.output / "monitor.html").read_text(encoding="utf-8")
    assert dom.count('class="marks"') == len(re.findall(r'vegaEmbed\("#chart-[\w-]+"', html)) > 1


def test_failed_build_leaves_previous_outputs_byte_identical(built):
    before = tree_digest(built.output)
    target = built.snapshots / WAGWEU.relative_to(SNAPSHOTS)
    original = target.read_bytes()
    target.write_bytes(original.replace(b"27304", b"27340"))
    try:
        result = built.monitor("build")
    finally:
        target.write_bytes(original)
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr and "derdelanders_meldloket_2021_2024.csv" in result.stderr
    assert "nothing was published" in result.stderr
    assert tree_digest(built.output) == before
