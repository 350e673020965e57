"""Charts in the house style, with their data as CSV, a table alternative, alt text and a source line.

One style for every chart (``house_style``): the Okabe-Ito colours that keep a contrast of at least 3:1 on
white (WCAG 2.1, 1.4.11 non-text contrast), one font in HTML and PDF, no frame, titles left-aligned, and the
number and date notation of the edition's language (vl-convert ``format_locale``/``time_format_locale`` for
the static SVG of the PDF, Vega's ``locale`` config in the spec for the interactive HTML).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.core.files import write_text_atomic


VEGALITE_MIME = "application/vnd.vegalite.v6+json"
CHART_MIME = "application/vnd.monitor.chart+json"  # alt text and name for the offline engine
FONT = "DejaVu Sans"  # present on the build machines and embedded by Typst
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
LOCALES = {"nl": "nl-NL", "en": "en-GB"}
PROVENANCE = ("source", "vintage", "status", "licence")
STATIC_WIDTH = 560
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ChartError(ValueError):
    pass


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str = "#FFFFFF") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


PALETTE = [c for c in OKABE_ITO if contrast(c) >= 3.0]


@cache
def _locale(lang: str) -> dict[str, Any]:
    import vl_convert

    return {"number": vl_convert.get_format_locale(LOCALES[lang]),
            "time": vl_convert.get_time_format_locale(LOCALES[lang])}


def house_style(spec: dict[str, Any], lang: str) -> dict[str, Any]:
    spec = json.loads(json.dumps(spec))
    config = spec.setdefault("config", {})
    config.setdefault("font", FONT)
    config.setdefault("view", {"stroke": None})
    config.setdefault("range", {"category": PALETTE})
    config.setdefault("line", {"color": PALETTE[0], "strokeWidth": 2})
    config.setdefault("point", {"color": PALETTE[0], "filled": True})
    config.setdefault("bar", {"color": PALETTE[0]})
    config.setdefault("title", {"anchor": "start", "fontSize": 14})
    config.setdefault("axis", {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#333333", "titleColor": "#333333"})
    config["locale"] = _locale(lang)
    return spec


def check_data(name: str, data) -> None:
    if not isinstance(name, str) or not NAME.match(name):
        raise ChartError(f"chart(): name must be lower-case letters, digits and '-' (it names the CSV file), got {name!r}")
    missing = [c for c in PROVENANCE if c not in list(data.columns)]
    if missing:
        raise ChartError(f"chart {name!r}: its data must carry the columns {list(PROVENANCE)} (published with the "
                         f"CSV); missing: {missing}")
    empty = [c for c in PROVENANCE if any(v is None or str(v).strip() == "" for v in data[c].to_list())]
    if empty:
        raise ChartError(f"chart {name!r}: columns {empty} have empty values; every row needs its source, vintage, "
                         "status and licence")


def data_dir() -> Path:
    """Where chart CSVs go: ``MONITOR_DATA_DIR`` (set by the engine and ``monitor build`` to the publication's
    ``data/``), else ``data/`` beside the document."""
    return Path(os.environ.get("MONITOR_DATA_DIR") or "data")


def csv_name(name: str, lang: str) -> str:
    return f"{name}.csv" if lang == "nl" else f"{name}.{lang}.csv"


def write_csv(name: str, data, lang: str) -> str:
    columns = list(data.columns)
    rows = data.to_dicts() if hasattr(data, "to_dicts") else data.to_dict("records")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    target = write_text_atomic(data_dir() / csv_name(name, lang), buffer.getvalue())
    return f"{data_dir().name}/{target.name}"


def specs(chart, alt: str, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(interactive spec for HTML, static spec for the PDF)."""
    spec = house_style(chart.to_dict(), lang)
    spec["description"] = alt  # vega-embed puts it in the SVG's aria-label
    static = json.loads(json.dumps(spec))
    if "width" in spec and not isinstance(spec["width"], str):
        spec["width"] = "container"  # the HTML chart takes the column's width, down to a phone's
        spec.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    static.setdefault("width", STATIC_WIDTH)
    return spec, static


def svg(static: dict[str, Any], lang: str) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(static, format_locale=LOCALES[lang], time_format_locale=LOCALES[lang])


def embed_html(name: str, spec: dict[str, Any]) -> str:
    """The chart for renderers that only take text/html (Quarto): needs ``report_kit.setup()``'s Vega bundle."""
    div = f"chart-{name}"
    return (f'<div id="{div}" class="monitor-chart"></div>'
            f'<script>vegaEmbed("#{div}", {json.dumps(spec)}, {{"renderer": "svg", "actions": false}});</script>')
