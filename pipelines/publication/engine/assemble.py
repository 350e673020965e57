"""Turn executed cells into Markdown for one output format (html or typst).

Output choice per display bundle (first match wins):

- html:  Vega-Lite spec (embedded with vegaEmbed, Vega bundle inlined once in the header) > text/markdown >
         text/html > image/svg+xml (inline) > image/png (data URI) > text/plain
- typst: image/svg+xml (written beside the document) > image/png > text/markdown > text/plain

Cell options honoured: ``echo`` (show code), ``output: false`` / ``include: false`` (hide), ``warning:
false`` (drop stderr), ``fig-cap`` (caption of the chart), ``label``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from pipelines.publication.engine.execute import Executed
from pipelines.publication.engine.qmd import INLINE, Cell, Document, Markdown


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fenced(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


class Assembler:
    def __init__(self, doc: Document, executed: Executed, fmt: str, figure_dir: Path, defaults: dict[str, Any]):
        self.doc, self.executed, self.fmt = doc, executed, fmt
        self.figure_dir = figure_dir
        self.defaults = defaults
        self.charts = 0

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
        return "\n\n".join(parts)

    def _output(self, output: dict[str, Any], cell: Cell) -> str:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr" and self._opt(cell, "warning") is False:
                return ""
            return _fenced(_text(output.get("text", "")))
        if kind not in ("display_data", "execute_result"):
            return ""
        data = output.get("data", {})
        return self._html(data, cell) if self.fmt == "html" else self._typst(data, cell)

    def _caption(self, cell: Cell) -> str:
        return str(cell.options.get("fig-cap") or "")

    def _html(self, data: dict[str, Any], cell: Cell) -> str:
        spec = next((v for k, v in data.items() if k.startswith("application/vnd.vegalite")), None)
        if spec is not None:
            self.charts += 1
            div = f"chart-{self.charts}"
            spec_json = json.dumps(spec if isinstance(spec, dict) else json.loads(_text(spec)))
            caption = self._caption(cell)
            figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
            return ("```{=html}\n"
                    f'<figure class="monitor-chart"><div id="{div}"></div>{figcaption}</figure>\n'
                    f'<script>vegaEmbed("#{div}", {spec_json}, {{"renderer": "svg", "actions": false}});</script>\n'
                    "```")
        if "text/markdown" in data:
            return _text(data["text/markdown"])
        if "text/html" in data:
            return "```{=html}\n" + _text(data["text/html"]) + "\n```"
        if "image/svg+xml" in data:
            return "```{=html}\n" + _text(data["image/svg+xml"]) + "\n```"
        if "image/png" in data:
            return f'![{self._caption(cell)}](data:image/png;base64,{_text(data["image/png"]).strip()})'
        if "text/plain" in data:
            return _fenced(_text(data["text/plain"]))
        return ""

    def _figure(self, content: bytes, suffix: str, cell: Cell) -> str:
        self.charts += 1
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        name = f"figure-{self.charts}{suffix}"
        (self.figure_dir / name).write_bytes(content)
        return f"![{self._caption(cell)}]({self.figure_dir.name}/{name})"

    def _typst(self, data: dict[str, Any], cell: Cell) -> str:
        if "image/svg+xml" in data:
            return self._figure(_text(data["image/svg+xml"]).encode("utf-8"), ".svg", cell)
        if "image/png" in data:
            return self._figure(base64.b64decode(_text(data["image/png"])), ".png", cell)
        if "text/markdown" in data:
            return _text(data["text/markdown"])
        if "text/plain" in data:
            return _fenced(_text(data["text/plain"]))
        return ""
