"""report_kit and its parts: language from the profile, numbers per language, escaping, tables, chart checks."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from pipelines.publication.kit import charts, tables
from pipelines.publication.kit.language import current_language, pick
from pipelines.publication.kit.markdown_text import escape
from pipelines.publication.kit.numbers import date, fmt, pct, quarter

TRICKY = [
    "Inspectie SZW <img src=x onerror=alert(1)>",
    "*nadruk* _ook_ **sterk** ~~weg~~ ^sup^ ~sub~",
    "[link](http://x) <http://y> ![img](z.png)",
    "@fig-x [@citatie] {{< meta x >}} {.class} ::: div",
    "`code` $x^2$ \\(math\\) #strong[typst] <label> \\ backslash",
    "| a | b | -- --- ... 'quotes' \"dq\"",
    "1. not a list\n# not a heading\n> not a quote",
    "&amp; &lt; &#60; entities",
]


@pytest.mark.parametrize("lang, expected", [("nl", "27.304"), ("en", "27,304")])
def test_fmt_integers(lang, expected):
    assert fmt(27304, lang=lang) == expected


def test_fmt_decimals_percent_dates_quarters():
    assert fmt(105.94, 1, lang="nl") == "105,9" and fmt(105.94, 1, lang="en") == "105.9"
    assert fmt(1234567.891, 2, lang="nl") == "1.234.567,89" and fmt(1234567.891, 2, lang="en") == "1,234,567.89"
    assert pct(12.5, lang="nl") == "12,5%" and pct(12.5, lang="en") == "12.5%"
    assert date(dt.date(2026, 12, 2), lang="nl") == "2 december 2026" and date("2026-12-02", lang="en") == "2 December 2026"
    assert quarter("2024KW03", lang="nl") == "het derde kwartaal van 2024"
    assert quarter("2024KW03", lang="en") == "the third quarter of 2024"
    assert fmt(None) == "." and fmt(float("nan")) == "." and pct(None) == "."
    with pytest.raises(TypeError, match="expected a number"):
        fmt("27304")


def test_language_follows_the_quarto_profile(monkeypatch):
    assert current_language({"QUARTO_PROFILE": "en"}) == "en"
    assert current_language({"QUARTO_PROFILE": "production,en"}) == "en"
    assert current_language({}) == "nl" and current_language({"QUARTO_PROFILE": ""}) == "nl"
    monkeypatch.setenv("QUARTO_PROFILE", "en")
    assert fmt(27304) == "27,304" and pick("nl-tekst", "en-text") == "en-text"
    monkeypatch.setenv("QUARTO_PROFILE", "nl")
    assert fmt(27304) == "27.304" and pick("nl-tekst", "en-text") == "nl-tekst"


def test_label_needs_both_languages():
    with pytest.raises(ValueError, match="both a Dutch and an English text"):
        pick("alleen Nederlands", "")


@pytest.mark.parametrize("text", TRICKY)
def test_escaped_text_comes_out_of_pandoc_as_the_same_text(text):
    """Whatever the characters, pandoc reads the escaped text back as plain text (no markup at all)."""
    import pypandoc

    escaped = escape(text)
    ast = json.loads(pypandoc.convert_text(escaped, "json", format="markdown"))
    assert [b["t"] for b in ast["blocks"]] == ["Para"]
    kinds = {i["t"] for i in ast["blocks"][0]["c"]}
    assert kinds <= {"Str", "Space"}, kinds
    plain = pypandoc.convert_text(escaped, "plain", format="markdown", extra_args=["--wrap=none"]).strip()
    assert plain == " ".join(text.split())


def test_table_cells_are_escaped_and_columns_sized_by_content():
    df = pl.DataFrame({"Bestand": ["cbs/84545NED/84545NED_vacatures_sa_2021KW01_2024KW01.csv"],
                       "Uitgever": ["CBS <b>x</b>"], "Jaar": [2024], "Aantal": [27304.0]})
    md = tables.pipe_table(df, {"Aantal": 0}, ["Jaar"])
    assert "CBS \\<b\\>x\\<\\/b\\>" in md
    separator = md.splitlines()[1].strip("|").split("|")
    widths = [len(c) for c in separator]
    assert widths[0] > widths[2] and widths[0] > widths[3], "the long text column gets the most room"
    assert separator[3].endswith(":") and not separator[0].endswith(":"), "numbers right-aligned"


def test_table_numeric_columns_need_a_format():
    df = pl.DataFrame({"Jaar": [2024], "Aantal": [27304]})
    with pytest.raises(tables.TableError, match=r"numeric columns \['Jaar', 'Aantal'\] need a format"):
        tables.pipe_table(df)
    with pytest.raises(tables.TableError, match=r"not in the table: \['Nope'\]"):
        tables.pipe_table(df, {"Nope": 0})
    with pytest.raises(tables.TableError, match="size must be one of"):
        tables.sized("x", "huge")


def test_chart_data_must_carry_provenance():
    good = pl.DataFrame({"x": [1], "source": ["CBS"], "vintage": ["2025"], "status": ["definitive"],
                         "licence": ["CC BY 4.0"]})
    charts.check_data("spanning", good)
    with pytest.raises(charts.ChartError, match=r"chart 'spanning'.*missing: \['vintage', 'licence'\]"):
        charts.check_data("spanning", good.drop("vintage", "licence"))
    with pytest.raises(charts.ChartError, match=r"chart 'spanning': columns \['status'\] have empty values"):
        charts.check_data("spanning", good.with_columns(pl.lit(None, dtype=pl.String).alias("status")))
    with pytest.raises(charts.ChartError, match="names the CSV file"):
        charts.check_data("Spanning Grafiek", good)


def test_house_palette_is_colour_blind_safe_with_3_to_1_contrast():
    assert charts.PALETTE and all(c in charts.OKABE_ITO for c in charts.PALETTE)
    assert all(charts.contrast(c) >= 3.0 for c in charts.PALETTE)
    assert "#F0E442" not in charts.PALETTE  # Okabe-Ito yellow: 1.2:1 on white


def test_house_style_sets_the_locale_of_the_edition():
    import altair as alt

    chart = alt.Chart(pl.DataFrame({"a": [1000.5]})).mark_bar().encode(y="a:Q").properties(width=300)
    html_spec, static = charts.specs(chart, "alt text", "nl")
    assert html_spec["config"]["locale"]["number"]["decimal"] == "," and html_spec["width"] == "container"
    assert static["width"] == 300 and html_spec["description"] == "alt text"
    assert charts.specs(chart, "alt", "en")[0]["config"]["locale"]["number"]["decimal"] == "."
    svg_nl = charts.svg(static, "nl")
    assert "1.000" in svg_nl or "1.000,5" in svg_nl  # axis ticks in Dutch notation
