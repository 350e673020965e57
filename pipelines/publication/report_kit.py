"""Helpers for the Python cells of the reports in ``reports/``.

Cells read every figure from the built DuckDB (``MONITOR_DUCKDB``, opened read-only) and display charts and
tables through these helpers, so that the same ``.qmd`` renders under Quarto and under the offline engine:

- ``chart(c)`` displays an Altair chart as a bundle with the Vega-Lite spec (interactive HTML: the engine or
  Quarto embeds it with the Vega libraries inlined, no CDN), a static SVG (PDF) and a self-contained HTML
  fallback for Quarto;
- ``table(df, caption)`` displays a pipe table as Markdown (both formats);
- ``nl(x)`` formats numbers the Dutch way (27.304; 105,9).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

VEGALITE_MIME = "application/vnd.vegalite.v6+json"
CHART_FONT = "DejaVu Sans"  # present on these machines and embedded in Typst's fallback list


def database_path() -> Path:
    path = os.environ.get("MONITOR_DUCKDB")
    if not path:
        raise RuntimeError("MONITOR_DUCKDB is not set: render reports through `monitor build` or `monitor render`")
    return Path(path)


@cache
def connection():
    import duckdb

    return duckdb.connect(str(database_path()), read_only=True)


def query(sql: str, params: list[Any] | None = None):
    """Run SQL against the built database; returns a polars DataFrame."""
    return connection().execute(sql, params or []).pl()


def nl(value: float | int | None, decimals: int = 0) -> str:
    """Dutch notation: thousands separated by '.', decimals by ','."""
    if value is None:
        return "."
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


@cache
def _locale() -> dict[str, Any]:
    import vl_convert

    return {"number": vl_convert.get_format_locale("nl-NL"), "time": vl_convert.get_time_format_locale("nl-NL")}


def theme(spec: dict[str, Any]) -> dict[str, Any]:
    """House style: one font for HTML and PDF, Dutch number and date formats (in the spec, so every
    renderer, vl-convert and vega-embed alike, applies them)."""
    config = spec.setdefault("config", {})
    config.setdefault("font", CHART_FONT)
    config.setdefault("view", {"stroke": None})
    config.setdefault("locale", _locale())
    return spec


_QUARTERS_NL = {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde"}


def quarter_nl(period_code: str) -> str:
    """'2024KW03' -> 'het derde kwartaal van 2024'."""
    return f"het {_QUARTERS_NL[int(period_code[-2:])]} kwartaal van {period_code[:4]}"


def chart(c) -> None:
    """Display an Altair chart for both HTML (interactive) and PDF (static SVG)."""
    import vl_convert
    from IPython.display import display

    spec = theme(c.to_dict())
    svg = vl_convert.vegalite_to_svg(spec, format_locale="nl-NL")
    bundle = {
        VEGALITE_MIME: spec,
        "image/svg+xml": svg,
        "text/html": _standalone_html(spec),
    }
    display(bundle, raw=True)


_html_count = 0


def _standalone_html(spec: dict[str, Any]) -> str:
    """HTML for renderers that only know text/html (Quarto): the Vega bundle is inlined with the first chart."""
    global _html_count
    import vl_convert

    _html_count += 1
    div = f"monitor-vega-{_html_count}"
    script = ""
    if _html_count == 1:
        script = f"<script>{vl_convert.javascript_bundle()}</script>"
    return (f'{script}<div id="{div}" class="monitor-chart"></div>'
            f'<script>vegaEmbed("#{div}", {json.dumps(spec)}, {{"renderer": "svg", "actions": false}});</script>')


def table(df, caption: str, formats: dict[str, Any] | None = None) -> None:
    """Display a DataFrame (polars or pandas) as a Markdown pipe table with a caption.

    ``formats`` maps a column to a function (e.g. ``nl``) applied to each value."""
    from IPython.display import Markdown, display

    rows = df.to_dicts() if hasattr(df, "to_dicts") else df.to_dict("records")
    columns = list(df.columns)
    formats = formats or {}
    numeric = {c for c in columns if rows and all(isinstance(r[c], (int, float)) or r[c] is None for r in rows)}

    def cell(col: str, value: Any) -> str:
        if col in formats:
            return str(formats[col](value))
        return "" if value is None else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if c in numeric else "---" for c in columns) + "|"]
    lines += ["| " + " | ".join(cell(c, r[c]) for c in columns) + " |" for r in rows]
    display(Markdown("\n".join(lines) + f"\n\n: {caption}\n"))
