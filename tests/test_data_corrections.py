"""The data corrections of the fidelity audit stay corrected: each test reads the shipped snapshot files (no build) and fails
on the defect the audit found (confidence of a document quoting the producer, months for a quarterly survey, an
unrecorded second vintage, a first estimate not marked provisional, dashboard text loaded as a StatLine table,
paraphrased or missing quotes, the SEO page that was missed)."""

from __future__ import annotations

import csv
import io
import re

import yaml

from tests.conftest import SNAPSHOTS

PUB = SNAPSHOTS / "cbs/publicaties/cbs_figures_from_publications.csv"
HEADLINE = SNAPSHOTS / "cbs/publicaties/cbs_headline_figures.csv"
DASHBOARD = SNAPSHOTS / "cbs/dashboard_arbeidsmarkt/werkloze_beroepsbevolking_sa_2023KW02_2024KW01.csv"
SEO = SNAPSHOTS / "wagweu/seo_posted_workers_facts_figures/posted_workers_facts_figures_2023.csv"


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _sidecar(path):
    return yaml.safe_load(path.with_name(path.name + ".origin.yaml").read_text(encoding="utf-8"))


def _published_figure_files():
    for sidecar in sorted(SNAPSHOTS.rglob("*.origin.yaml")):
        origin = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        if (origin.get("layout") or {}).get("reader") == "published_figures":
            yield sidecar.with_name(sidecar.name.removesuffix(".origin.yaml")), origin


def test_a_document_quoting_the_producer_is_not_primary():
    """A row whose publisher reads 'X (via Y)' or names a letter quoting the producer is never primary."""
    offending = []
    for path, origin in _published_figure_files():
        for n, row in enumerate(_rows(path), start=1):
            confidence = row.get("confidence") or origin.get("confidence")
            quoting = "(via " in row["publisher"] or "geciteerd in" in row["publisher"]
            if confidence == "primary" and quoting:
                offending.append((path.relative_to(SNAPSHOTS).as_posix(), n, row["publisher"]))
    assert not offending, offending


def test_kamerbrief_29407_212_rows_are_secondary():
    rows = [r for r in _rows(PUB) if "Kamerstuk 29 407, nr. 212" in r["document_title"]]
    assert len(rows) == 7
    assert {r["confidence"] for r in rows} == {"secondary"}
    assert all(r["publisher"].startswith("CBS Migrantenmonitor 2017 (via Kamerbrief") for r in rows)


def test_ondernemersvertrouwen_is_quarterly_and_both_vintages_are_held():
    rows = [r for r in _rows(PUB) if r["indicator"] == "ondernemersvertrouwen"]
    assert rows and all(re.fullmatch(r"\d{4}KW0[1-4]", r["period"]) for r in rows), "the survey is quarterly"
    by_period = {}
    for r in rows:
        by_period.setdefault(r["period"], {})[r["label"].split(",")[1].strip().split(" ")[0]] = float(r["value"])
    # what CBS published at the time (old method) next to the 2024 table (new method, back-cast)
    assert by_period["2022KW02"] == {"oude": 16.8, "nieuwe": -9.9}
    assert by_period["2022KW04"] == {"oude": -0.9, "nieuwe": -22.2}
    assert all(r["confidence"] == "secondary" for r in rows if "oude methode" in r["label"])


def test_first_estimates_of_vacancies_say_they_are_provisional():
    rows = {(r["indicator"], r["period"], r["published"][:7]): r for r in _rows(PUB)}
    first = rows[("openstaande_vacatures", "2022KW03", "2022-11")]
    assert first["value"] == "449000" and first["status"] == "provisional" and "eerste raming" in first["label"]
    for published in ("2024-11", "2025-02"):
        assert rows[("vacatures_per_100_werklozen", "2024KW03", published)]["status"] == "provisional"


def test_tension_after_2024q1_is_held_with_its_parts_and_says_where_it_comes_from():
    """No stored cbs.nl page gives CBS's own parts after 2024KW01: the parts are held as news sites quote CBS."""
    rows = _rows(PUB)
    parts = {(r["indicator"], r["period"]): r for r in rows
             if r["indicator"] in ("openstaande_vacatures", "werkloze_beroepsbevolking")}
    for period, vacancies, unemployed, ratio in (("2024KW04", 404000, 374000, 108), ("2025KW03", 387000, 399000, 97)):
        v, u = parts[("openstaande_vacatures", period)], parts[("werkloze_beroepsbevolking", period)]
        assert (float(v["value"]), float(u["value"])) == (vacancies, unemployed)
        assert v["confidence"] == u["confidence"] == "secondary" and v["url"] == u["url"]
        assert round(100 * vacancies / unemployed) == ratio
    own = [r for r in rows if r["indicator"] == "vacatures_per_100_werklozen" and r["period"] == "2024KW04"
           and r["confidence"] == "primary"]
    assert len(own) == 1 and own[0]["url"].endswith("/dashboard-arbeidsmarkt/spanning-op-de-arbeidsmarkt")


def test_dashboard_text_is_its_own_dataset_with_verbatim_sentences():
    layout = _sidecar(DASHBOARD)["layout"]
    assert layout["dataset_id"] == "dashboard_arbeidsmarkt"
    for row in _rows(DASHBOARD):
        if row["status"] == "derived":
            assert row["source_statement"].startswith("Niet op de pagina gedrukt; afgeleid")
        else:
            assert f"{row['werkloze_beroepsbevolking_x1000']} duizend" in row["source_statement"]
            assert "dashboard" not in row["source_statement"].lower(), "a sentence of the page, not a paraphrase"
        assert row["url"].startswith("https://www.cbs.nl/nl-nl/visualisaties/dashboard-arbeidsmarkt/")


def test_cbs_publication_rows_quote_their_document():
    for path in (PUB, HEADLINE):
        for n, row in enumerate(_rows(path), start=1):
            assert row["quote"].strip(), (path.name, n)
            assert "not recorded" not in row["document_title"], (path.name, n)


def test_seo_facts_and_figures_page_is_held():
    rows = {(r["indicator"], r["breakdown"]): r for r in _rows(SEO)}
    workers = rows[("gemelde_werkenden_meldloket_wagweu", "")]
    notifications = rows[("meldingen_meldloket_wagweu", "")]
    assert (workers["value"], workers["period"]) == ("102000", "2023")
    assert (notifications["value"], notifications["period"]) == ("80000", "2023")
    assert "80,000 notifications" in notifications["quote"] and "102,000 workers" in workers["quote"]
    assert _sidecar(SEO)["layout"] == {"reader": "published_figures", "source_id": "wagweu",
                                      "dataset_id": "seo_posted_workers_facts_figures"}
