"""Which engine features a Quarto project uses, and where: the basis of the test that proves the offline engine
handles every feature the shipped documents use (tests/test_publication_features.py).

A feature is named like ``div:.callout-note``, ``span:.content-visible``, ``attr:when-profile``,
``option:fig-cap``, ``config:format.typst.papersize``, ``xref:fig``, ``include``, ``inline``, ``footnote``,
``citation``, ``heading-id:sec``, ``float:fig`` (a ``::: {#fig-…}`` div), ``refs``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from pipelines.publication.engine.includes import INCLUDE, read_lines
from pipelines.publication.engine.qmd import _ATTR_TOKEN, _DIV, _OPTION, _SPAN, _XREF, INLINE

_FOOTNOTE = re.compile(r"\[\^[\w-]+\]")
_CITATION = re.compile(r"\[[^\]]*@(?!fig-|tbl-|sec-)[\w:.-]+")


def _config_keys(data: Any, prefix: str = "") -> list[str]:
    if not isinstance(data, dict):
        return []
    keys = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        nested = _config_keys(value, name + ".") if key not in ("crossref", "profile") else []
        keys += nested or [name]
    return keys


def features_used(qmd: Path) -> dict[str, list[str]]:
    used: dict[str, list[str]] = defaultdict(list)
    project = Path(qmd).parent
    for config in sorted(project.glob("_quarto*.yml")):
        for key in _config_keys(yaml.safe_load(config.read_text(encoding="utf-8")) or {}):
            used[f"config:{key}"].append(config.name)
    for path in [qmd, *sorted((project / "chapters").glob("*.qmd"))]:
        text = path.read_text(encoding="utf-8")
        if INCLUDE.search(text) or any(INCLUDE.match(l) for l in text.splitlines()):
            used["include"].append(path.name)
    in_code = False
    for line in read_lines(Path(qmd)):
        where = f"{line.path.name}:{line.number}"
        if line.text.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            option = _OPTION.match(line.text)
            if option:
                used[f"option:{option.group(1)}"].append(where)
            continue
        div = _DIV.match(line.text)
        attributes = [div.group(2).strip("{}")] if div and div.group(2) else []
        attributes += [m.group(1) for m in _SPAN.finditer(line.text) if not m.group(1).startswith(("=", "-"))]
        for i, body in enumerate(attributes):
            kind = "div" if (div and i == 0) else "span"
            for token in _ATTR_TOKEN.findall(body if "{" in line.text or kind == "span" else "." + body):
                if token.startswith("."):
                    used[f"{kind}:{token}"].append(where)
                elif token.startswith("#"):
                    used["refs" if token == "#refs" else f"float:{token[1:].split('-')[0]}"].append(where)
                else:
                    used[f"attr:{token.split('=')[0]}"].append(where)
        heading = re.match(r"^#{1,6}\s.*[^\]]\s+\{([^}]*)\}\s*$", line.text)
        if heading:
            for token in _ATTR_TOKEN.findall(heading.group(1)):
                used[f"heading:{token.split('-')[0] if token.startswith('#') else token}"].append(where)
        for target in _XREF.findall(line.text):
            used[f"xref:{target.split('-')[0]}"].append(where)
        if INLINE.search(line.text):
            used["inline"].append(where)
        if _FOOTNOTE.search(line.text):
            used["footnote"].append(where)
        if _CITATION.search(line.text):
            used["citation"].append(where)
    return dict(used)
