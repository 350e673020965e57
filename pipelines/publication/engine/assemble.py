"""Turn a parsed document and its executed cells into Pandoc Markdown for one output format (html or typst).

Output choice per display bundle (first match wins):

- html:  Vega-Lite spec (embedded with vegaEmbed, SVG renderer; the Vega bundle is inlined once in the
         page header by render.py) > text/markdown > text/html > image/svg+xml > image/png > text/plain
- typst: image/svg+xml (a file beside the .typ, placed with its alt text) > image/png > text/markdown >
         text/plain

Bundles carrying ``application/vnd.monitor.dependency+json`` (``report_kit.setup()``: the Vega libraries for
Quarto) are dropped: the engine supplies the libraries itself.

Cell options: ``echo``, ``output`` / ``include`` (false hides), ``warning`` (false drops stderr), ``label``;
a cell labelled ``fig-…`` / ``tbl-…`` with ``fig-cap`` / ``tbl-cap`` becomes a numbered float (as the div form
``::: {#fig-…}`` with the caption as last paragraph does); ``fig-alt`` is the image's alt text when the
chart does not bring its own.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from pipelines.publication.engine.errors import RenderError
from pipelines.publication.engine.execute import Executed
from pipelines.publication.engine.qmd import INLINE, Cell, Document, Markdown
from pipelines.publication.kit.markdown_text import escape

CHART_MIME = "application/vnd.monitor.chart+json"
DEPENDENCY_MIME = "application/vnd.monitor.dependency+json"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fenced(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


def _typst_string(text: str) -> str:
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


class Assembler:
    def __init__(self, doc: Document, executed: Executed, fmt: str, figure_dir: Path, defaults: dict[str, Any]):
        self.doc, self.executed, self.fmt = doc, executed, fmt
        self.figure_dir = figure_dir
        self.defaults = defaults
        self.charts = 0
        self.figures = 0

    def markdown(self) -> str:
        parts = []
        for b, block in enumerate(self.doc.blocks):
            if isinstance(block, Markdown):
                values = iter(self.executed.inline.get(b, []))
                parts.append(INLINE.sub(lambda _m: next(values), block.text))
            else:
                parts.append(self._cell(b, block))
        return "\n\n".join(p for p in parts if p.strip()) + "\n"

    def _opt(self, cell: Cell, key: str) -> Any:
        return cell.options.get(key, self.defaults.get(key))

    def _cell(self, b: int, cell: Cell) -> str:
        if self._opt(cell, "include") is False:
            return ""
        parts = [_fenced(cell.source, "python")] if self._opt(cell, "echo") else []
        if self._opt(cell, "output") is not False:
            for output in self.executed.outputs.get(b, []):
                rendered = self._output(output, cell)
                if rendered:
                    parts.append(rendered)
        body = "\n\n".join(parts)
        label = str(cell.options.get("label") or "")
        kind = label.split("-", 1)[0] if label.startswith(("fig-", "tbl-")) else None
        caption = cell.options.get(f"{kind}-cap") if kind else None
        if kind and not caption:
            raise RenderError(f"{cell.line.where}: cell '{label}' is a {kind} float: give it '#| {kind}-cap', or put "
                              f"the cell in a '::: {{#{label}}}' div whose last paragraph is the caption (and use "
                              "another label for the cell)")
        if caption and not kind:
            raise RenderError(f"{cell.line.where}: a caption needs a '#| label: fig-…' or 'tbl-…'")
        if kind:
            return f"::: {{#{label}}}\n{body}\n\n{caption}\n:::"
        return body

    def _output(self, output: dict[str, Any], cell: Cell) -> str:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr" and self._opt(cell, "warning") is False:
                return ""
            return _fenced(_text(output.get("text", "")))
        if kind not in ("display_data", "execute_result"):
            return ""
        data = output.get("data", {})
        if DEPENDENCY_MIME in data:
            return ""
        return self._html(data, cell) if self.fmt == "html" else self._typst(data, cell)

    def _alt(self, data: dict[str, Any], cell: Cell) -> str:
        meta = data.get(CHART_MIME) or {}
        return str(meta.get("alt") or cell.options.get("fig-alt") or "")

    def _html(self, data: dict[str, Any], cell: Cell) -> str:
        spec = next((v for k, v in data.items() if k.startswith("application/vnd.vegalite")), None)
        if spec is not None:
            self.charts += 1
            name = (data.get(CHART_MIME) or {}).get("name") or str(self.charts)
            div = f"chart-{name}"
            spec = spec if isinstance(spec, dict) else json.loads(_text(spec))
            spec_json = json.dumps(spec).replace("</", "<\\/")  # data cannot close the script element
            alt = html.escape(self._alt(data, cell), quote=True)
            return ("```{=html}\n"
                    f'<div id="{html.escape(div)}" class="monitor-chart" role="img" aria-label="{alt}"></div>\n'
                    f'<script>vegaEmbed("#{html.escape(div)}", {spec_json}, {{"renderer": "svg", "actions": false}});'
                    "</script>\n```")
        if "text/markdown" in data:
            return _text(data["text/markdown"])
        if "text/html" in data:
            return "```{=html}\n" + _text(data["text/html"]) + "\n```"
        if "image/svg+xml" in data:
            alt = html.escape(self._alt(data, cell), quote=True)
            return f'```{{=html}}\n<div class="monitor-image" role="img" aria-label="{alt}">' + \
                _text(data["image/svg+xml"]) + "</div>\n```"
        if "image/png" in data:
            return f'![{escape(self._alt(data, cell))}](data:image/png;base64,{_text(data["image/png"]).strip()})'
        if "text/plain" in data:
            return _fenced(_text(data["text/plain"]))
        return ""

    def _figure(self, content: bytes, suffix: str, data: dict[str, Any], cell: Cell) -> str:
        self.figures += 1
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        name = f"figure-{self.figures}{suffix}"
        (self.figure_dir / name).write_bytes(content)
        alt = self._alt(data, cell)
        if not alt.strip():
            raise RenderError(f"{cell.line.where}: cell {cell.label} shows an image without alt text: give it "
                              "'#| fig-alt: …' (charts: report_kit.chart(alt=…)); the PDF is PDF/UA-1 and needs it")
        return ("```{=typst}\n"
                f'#block(width: 100%, breakable: false)[#align(center)[#image("{self.figure_dir.name}/{name}", '
                f"width: 100%, alt: {_typst_string(alt)})]]\n```")

    def _typst(self, data: dict[str, Any], cell: Cell) -> str:
        if "image/svg+xml" in data:
            return self._figure(_text(data["image/svg+xml"]).encode("utf-8"), ".svg", data, cell)
        if "image/png" in data:
            return self._figure(base64.b64decode(_text(data["image/png"])), ".png", data, cell)
        if "text/markdown" in data:
            return _text(data["text/markdown"])
        if "text/plain" in data:
            return _fenced(_text(data["text/plain"]))
        return ""
