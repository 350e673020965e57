"""Parse the subset of Quarto markdown (.qmd) that the offline engine supports.

Supported: YAML front matter; ```{python} code cells with ``#|`` options (label, echo, output, include,
warning, fig-cap, tbl-cap); inline expressions `` `{python} expr` ``; everything else is passed to pandoc
as Markdown. Quarto-only keys in the front matter (format, execute, jupyter, engine) are removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_CELL_OPEN = re.compile(r"^```\{python\}\s*$")
_CELL_CLOSE = re.compile(r"^```\s*$")
_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")
INLINE = re.compile(r"`\{python\}\s+([^`]+)`")
QUARTO_ONLY_KEYS = ("format", "execute", "jupyter", "engine", "project", "knitr")


@dataclass
class Markdown:
    text: str
    line: int

    @property
    def inline_expressions(self) -> list[str]:
        return [m.group(1).strip() for m in INLINE.finditer(self.text)]


@dataclass
class Cell:
    source: str
    options: dict[str, Any]
    line: int  # line of the opening fence in the .qmd

    @property
    def label(self) -> str:
        return str(self.options.get("label") or f"cell at line {self.line}")


@dataclass
class Document:
    path: Path
    front_matter: dict[str, Any]
    blocks: list[Markdown | Cell] = field(default_factory=list)

    @property
    def pandoc_metadata(self) -> dict[str, Any]:
        return {k: v for k, v in self.front_matter.items() if k not in QUARTO_ONLY_KEYS}


def parse(path: Path) -> Document:
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    front: dict[str, Any] = {}
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            raise ValueError(f"{path}: front matter is not closed with '---'")
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
        start = end + 1
    doc = Document(Path(path), front)
    buffer: list[str] = []
    buffer_line = start + 1
    i = start
    while i < len(lines):
        if _CELL_OPEN.match(lines[i]):
            if buffer:
                doc.blocks.append(Markdown("\n".join(buffer), buffer_line))
                buffer = []
            open_line = i + 1
            j = i + 1
            body = []
            while j < len(lines) and not _CELL_CLOSE.match(lines[j]):
                body.append(lines[j])
                j += 1
            if j == len(lines):
                raise ValueError(f"{path}:{open_line}: code cell is not closed")
            options = {}
            code = []
            for line in body:
                m = _OPTION.match(line)
                if m and not code:
                    options[m.group(1)] = yaml.safe_load(m.group(2)) if m.group(2).strip() else None
                else:
                    code.append(line)
            doc.blocks.append(Cell("\n".join(code), options, open_line))
            i = j + 1
            buffer_line = i + 1
            continue
        buffer.append(lines[i])
        i += 1
    if buffer:
        doc.blocks.append(Markdown("\n".join(buffer), buffer_line))
    return doc
