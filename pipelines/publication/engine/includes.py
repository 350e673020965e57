"""Resolve ``{{< include file.qmd >}}`` before parsing, as Quarto does, keeping where each line came from.

An include is a line of its own; the path is relative to the including file. Errors name the including
file and line: a missing file, an include cycle, an include with front matter (Quarto would merge it; the
engine refuses, so chapter metadata is never silently lost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.publication.engine.errors import RenderError

INCLUDE = re.compile(r"^\s*\{\{<\s*include\s+(\S+)\s*>\}\}\s*$")


@dataclass(frozen=True)
class Line:
    text: str
    path: Path
    number: int  # 1-based, in ``path``

    @property
    def where(self) -> str:
        return f"{self.path}:{self.number}"


def read_lines(path: Path, stack: tuple[Path, ...] = ()) -> list[Line]:
    path = Path(path).resolve()
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Line] = []
    fence: str | None = None
    for n, text in enumerate(lines, start=1):
        stripped = text.strip()
        if fence is None and stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
        elif fence is not None and stripped.startswith(fence) and stripped.strip("`") == "":
            fence = None
        m = INCLUDE.match(text) if fence is None else None
        if not m:
            out.append(Line(text, path, n))
            continue
        target = (path.parent / m.group(1)).resolve()
        if not target.is_file():
            raise RenderError(f"{path}:{n}: include file not found: {m.group(1)} (looked for {target})")
        if target in (*stack, path):
            raise RenderError(f"{path}:{n}: include cycle: {m.group(1)} includes itself")
        included = read_lines(target, (*stack, path))
        if included and included[0].text.strip() == "---":
            raise RenderError(f"{path}:{n}: included file {m.group(1)} has front matter; put metadata in the "
                              "including document or _quarto.yml")
        out.extend(included)
    return out
