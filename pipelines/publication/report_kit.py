"""The API of the Python cells in ``reports/``: read figures, write them per language, show tables and charts.

Cells read every figure from the built DuckDB (``MONITOR_DUCKDB``, opened read-only) and show them through
these helpers, so that the same ``.qmd`` renders under Quarto and under the offline engine, in both editions:

- ``lang()`` -> ``"nl"`` or ``"en"``: the edition, from the Quarto profile (``QUARTO_PROFILE``);
- ``label(nl=..., en=...)``: the text for the edition (both are required);
- ``fmt(x, decimals)``, ``pct(x, decimals)``, ``date(d)``, ``quarter(code)``: numbers and dates in the
  edition's notation (27.304 / 27,304; 105,9 / 105.9);
- ``text(s)``: text from data made safe for Markdown (inline expressions are escaped by the engine already;
  use it when you build Markdown yourself);
- ``table(df, formats=..., plain=..., note=..., size=...)``: a table in which every cell is text;
- ``chart(c, name=..., data=..., alt=...)``: a chart in the house style, with its data as CSV (linked), a
  table alternative, alt text and a source line;
- ``setup()``: call once in the first cell (Quarto needs the Vega libraries on the page once; the offline
  engine inlines them itself).

Captions and cross-reference labels are not passed here: they belong to the cell (``#| label: tbl-x`` with
``#| tbl-cap``) or to a ``::: {#tbl-x}`` div around the cell, whose last paragraph is the caption (the way to
caption in two languages). See docs/publication-engine.md.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.publication.kit import charts as _charts
from pipelines.publication.kit import tables as _tables
from pipelines.publication.kit.language import current_language, pick
from pipelines.publication.kit.markdown_text import escape
from pipelines.publication.kit.numbers import date, fmt, pct, quarter

__all__ = ["chart", "date", "fmt", "label", "lang", "pct", "quarter", "query", "setup", "table", "text"]

DEPENDENCY_MIME = "application/vnd.monitor.dependency+json"  # the offline engine supplies these itself


def lang() -> str:
    return current_language()


def label(nl: str, en: str) -> str:
    return pick(nl, en)


def text(value: Any) -> str:
    return escape(value)


def database_path() -> Path:
    path = os.environ.get("MONITOR_DUCKDB")
    if not path:
        raise RuntimeError("MONITOR_DUCKDB is not set: render the reports through `monitor build`, or set it to a "
                           "built monitor.duckdb")
    return Path(path)


@cache
def connection():
    import duckdb

    return duckdb.connect(str(database_path()), read_only=True)


def query(sql: str, params: list[Any] | None = None):
    """Run SQL against the built database; returns a polars DataFrame."""
    return connection().execute(sql, params or []).pl()


def _markdown(markdown: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def setup() -> None:
    """Put the Vega libraries on the page once (for Quarto, which takes charts as text/html). The offline engine
    inlines them itself and says so in ``MONITOR_PUBLICATION_ENGINE``; then nothing is shown."""
    if os.environ.get("MONITOR_PUBLICATION_ENGINE") == "offline":
        return
    import vl_convert
    from IPython.display import display

    display({"text/html": f"<script>{vl_convert.javascript_bundle()}</script>", DEPENDENCY_MIME: {"name": "vega"}},
            raw=True)


def table(df, *, formats: Mapping[str, int | Callable[[Any], str]] | None = None, plain: Iterable[str] = (),
          note: str | None = None, size: str = "normal") -> None:
    """Show a DataFrame (polars or pandas) as a table; every header and cell is shown as text.

    ``formats``: column -> decimals (written with ``fmt``) or a function; ``plain``: numeric columns shown as
    they are (years, codes); ``note``: a line of text under the table (e.g. its source; escaped);
    ``size``: ``normal``, ``small`` (smaller type) or ``landscape`` (PDF: on a landscape page)."""
    markdown = _tables.sized(_tables.pipe_table(df, formats, plain), size)
    if note:
        markdown += f"\n\n::: {{.monitor-source}}\n{escape(note)}\n:::"
    _markdown(markdown)


def chart(c, *, name: str, data, alt: str, columns: Mapping[str, str] | None = None,
          formats: Mapping[str, int | Callable[[Any], str]] | None = None, plain: Iterable[str] = ()) -> None:
    """Show an Altair chart built from ``data`` (polars), in the house style, for HTML and PDF.

    ``name``: names the CSV (``data/<name>.csv``, English edition ``data/<name>.en.csv``); ``data`` must carry
    the columns source, vintage, status and licence (written into the CSV; the source line under the chart is
    made from ``source``); ``alt``: the alt text (a sentence saying what the chart shows);
    ``columns``: data column -> header of the table alternative (default: every column but the provenance
    ones), with ``formats``/``plain`` as in ``table``."""
    from IPython.display import display

    _charts.check_data(name, data)
    if not isinstance(alt, str) or not alt.strip():
        raise _charts.ChartError(f"chart {name!r}: alt text is required")
    edition = lang()
    spec, static = _charts.specs(c, alt, edition)
    link = _charts.write_csv(name, data, edition)
    display({
        _charts.VEGALITE_MIME: spec,
        "image/svg+xml": _charts.svg(static, edition),
        "text/html": _charts.embed_html(name, spec),
        _charts.CHART_MIME: {"name": name, "alt": alt},
        "text/plain": alt,
    }, raw=True)
    shown = {c: c for c in data.columns if c not in _charts.PROVENANCE} if columns is None else dict(columns)
    alternative = data.select(list(shown)).rename(shown)
    formats = {shown[c]: f for c, f in (formats or {}).items()}
    grid = _tables.pipe_table(alternative, formats, [shown[c] for c in plain], context=f"chart {name!r}")
    sources = "; ".join(dict.fromkeys(str(s) for s in data["source"].to_list()))
    source_line = escape(label("Bron: ", "Source: ") + sources)
    download = label("Data van deze grafiek (CSV)", "Data of this chart (CSV)")
    summary = label("Toon als tabel", "Show as table")
    _markdown(
        f"::: {{.monitor-source}}\n{source_line}\n:::\n\n"
        f"::: {{.content-visible when-format=\"html\"}}\n"
        f"[{escape(download)}]({link}){{.monitor-csv}}\n\n"
        f"<details class=\"monitor-chart-table\"><summary>{html.escape(summary)}</summary>\n\n{grid}\n\n</details>\n:::\n\n"
        f"::: {{.content-visible unless-format=\"html\"}}\n{_tables.sized(grid, 'small')}\n:::"
    )
