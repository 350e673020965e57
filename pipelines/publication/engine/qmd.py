"""Parse the subset of Quarto Markdown (.qmd) the offline engine supports, and reject the rest by name.

Input is the list of lines after includes are resolved (``includes.read_lines``), each knowing its file and
line. Parsed: YAML front matter; ```` ```{python} ```` cells with ``#|`` options; inline expressions
`` `{python} expr` ``; Markdown. Checked here, failing with file and line: every ``#|`` option, every
shortcode (only ``include`` is supported, and it is resolved before this), every fenced div's and
bracketed span's classes and attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.publication.engine.errors import RenderError
from pipelines.publication.engine.includes import Line, read_lines

_CELL_OPEN = re.compile(r"^```\s*\{python\}\s*$")
_OTHER_CELL = re.compile(r"^```\s*\{([A-Za-z][\w-]*)")
_CELL_CLOSE = re.compile(r"^```\s*$")
_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")
INLINE = re.compile(r"`\{python\}\s+([^`]+)`")
_SHORTCODE = re.compile(r"\{\{[<%]\s*([\w-]*)")
_DIV = re.compile(r"^(:{3,})\s*(.*?)\s*$")
_SPAN = re.compile(r"\]\{([^}]*)\}")
_CITE = re.compile(r"(?<![\w\\@])@(?!(?:fig|tbl|sec)-)([\w][\w:.#$%&+?<>~/-]*[\w])")
_XREF = re.compile(r"(?<![\w\\])@((?:fig|tbl|sec)-[\w-]*[\w])")
_HEADING_ID = re.compile(r"^#{1,6}\s.*\{[^}]*#(sec-[\w-]+)")
_DIV_ID = re.compile(r"#((?:fig|tbl)-[\w-]+)")
_ATTR_TOKEN = re.compile(r'#[\w:.-]+|\.[\w-]+|[\w-]+="[^"]*"|[\w-]+=\S+')

CELL_OPTIONS = {"label", "echo", "output", "include", "warning", "fig-cap", "fig-alt", "tbl-cap"}
CONDITIONS = {"when-format", "unless-format", "when-profile", "unless-profile"}
FORMATS = {"html", "typst", "pdf"}
CALLOUTS = {"callout-note", "callout-warning", "callout-important", "callout-tip", "callout-caution"}
DIV_CLASSES = {"content-visible", "content-hidden", *CALLOUTS, "monitor-source", "monitor-small",
               "monitor-landscape", "monitor-colophon"}
DIV_ATTRIBUTES = CONDITIONS | {"title"}
SPAN_CLASSES = {"content-visible", "content-hidden", "unnumbered", "smallcaps"}
ID_PREFIXES = ("fig-", "tbl-", "sec-")


@dataclass
class Markdown:
    text: str
    line: Line

    @property
    def inline_expressions(self) -> list[str]:
        return [m.group(1).strip() for m in INLINE.finditer(self.text)]


@dataclass
class Cell:
    source: str
    options: dict[str, Any]
    line: Line  # the opening fence

    @property
    def label(self) -> str:
        return str(self.options.get("label") or f"cell at {self.line.where}")


@dataclass
class Document:
    path: Path
    front_matter: dict[str, Any]
    blocks: list[Markdown | Cell] = field(default_factory=list)
    citations: list[tuple[str, Line]] = field(default_factory=list)  # citation keys and where they are used


def _attributes(body: str, line: Line, kind: str) -> tuple[list[str], dict[str, str], str | None]:
    tokens = _ATTR_TOKEN.findall(body)
    if "".join(tokens).replace(" ", "") != body.replace(" ", ""):
        raise RenderError(f"{line.where}: cannot read the attributes {{{body}}} of this {kind}")
    classes = [t[1:] for t in tokens if t.startswith(".")]
    ids = [t[1:] for t in tokens if t.startswith("#")]
    attrs = {}
    for t in tokens:
        if "=" in t and not t.startswith(("#", ".")):
            key, value = t.split("=", 1)
            attrs[key] = value.strip('"')
    return classes, attrs, ids[0] if ids else None


def _check_conditions(attrs: dict[str, str], line: Line) -> None:
    for key, value in attrs.items():
        if key.endswith("-format") and value not in FORMATS:
            raise RenderError(f"{line.where}: {key}=\"{value}\": the formats are {sorted(FORMATS)}")


def _check_div(body: str, line: Line) -> None:
    if not body:
        return  # a closing fence
    if not body.startswith("{"):
        body = "{." + body + "}" if re.fullmatch(r"[\w-]+", body) else body
    if not (body.startswith("{") and body.endswith("}")):
        raise RenderError(f"{line.where}: cannot read this div fence: {line.text.strip()}")
    classes, attrs, ident = _attributes(body[1:-1].strip(), line, "div")
    for c in classes:
        if c not in DIV_CLASSES:
            raise RenderError(f"{line.where}: div class '.{c}' is not supported by the offline publication engine "
                              f"(supported: {', '.join(sorted(DIV_CLASSES))})")
    for key in attrs:
        if key not in DIV_ATTRIBUTES:
            raise RenderError(f"{line.where}: div attribute '{key}' is not supported (supported: "
                              f"{', '.join(sorted(DIV_ATTRIBUTES))})")
    if ident and not (ident.startswith(ID_PREFIXES[:2]) or ident == "refs"):
        raise RenderError(f"{line.where}: div id '#{ident}': only #fig-…, #tbl-… (cross-reference floats) and "
                          "#refs (the references list) are supported")
    if "title" in attrs and not (CALLOUTS & set(classes)):
        raise RenderError(f"{line.where}: title=\"…\" is only supported on callouts")
    if any(k in CONDITIONS for k in attrs) and not ({"content-visible", "content-hidden"} & set(classes)):
        raise RenderError(f"{line.where}: when-/unless- attributes need .content-visible or .content-hidden")
    _check_conditions(attrs, line)


_HEADING_ATTRS = re.compile(r"^#{1,6}\s.*[^\]\s]\s+\{([^}]*)\}\s*$")
HEADING_CLASSES = {"unnumbered"}


def _check_heading(line: Line) -> None:
    m = _HEADING_ATTRS.match(line.text)
    if not m:
        return
    body = m.group(1).strip()
    classes, attrs, _ = _attributes(body.replace(" -", " .unnumbered") if body != "-" else ".unnumbered", line,
                                    "heading")
    for c in classes:
        if c not in HEADING_CLASSES:
            raise RenderError(f"{line.where}: heading class '.{c}' is not supported (supported: .unnumbered)")
    if attrs:
        raise RenderError(f"{line.where}: heading attributes {sorted(attrs)} are not supported")


def _check_markdown_line(line: Line) -> None:
    if line.text.startswith("#"):
        _check_heading(line)
    m = _SHORTCODE.search(line.text)
    if m:
        raise RenderError(f"{line.where}: shortcode '{m.group(1) or m.group(0)}' is not supported by the offline "
                          "publication engine (only {{< include >}}, on a line of its own)")
    for span in _SPAN.finditer(line.text):
        body = span.group(1).strip()
        if body.startswith("=") or body.startswith("-"):
            continue  # raw attribute {=html}, or {-} (unnumbered)
        classes, attrs, _ = _attributes(body, line, "span")
        for c in classes:
            if c not in SPAN_CLASSES:
                raise RenderError(f"{line.where}: span class '.{c}' is not supported (supported: "
                                  f"{', '.join(sorted(SPAN_CLASSES))})")
        for key in attrs:
            if key not in CONDITIONS:
                raise RenderError(f"{line.where}: span attribute '{key}' is not supported")
        _check_conditions(attrs, line)
    if INLINE.search(line.text) is None and re.search(r"`\{(?!python\})[^}]*\}", line.text):
        raise RenderError(f"{line.where}: only `{{python}} …` inline expressions are supported")


def _parse_cell(body: list[Line], fence: Line) -> Cell:
    options: dict[str, Any] = {}
    code: list[str] = []
    for line in body:
        m = _OPTION.match(line.text)
        if m and not code:
            key = m.group(1)
            if key not in CELL_OPTIONS:
                raise RenderError(f"{line.where}: cell option '#| {key}' is not supported by the offline publication "
                                  f"engine (supported: {', '.join(sorted(CELL_OPTIONS))})")
            try:
                options[key] = yaml.safe_load(m.group(2)) if m.group(2).strip() else None
            except yaml.YAMLError as exc:
                raise RenderError(f"{line.where}: cell option '#| {key}' is not valid YAML: {exc}") from exc
        elif line.text.startswith("#|") and not code:
            raise RenderError(f"{line.where}: cannot read the cell option {line.text!r}")
        else:
            code.append(line.text)
    label = options.get("label")
    if label is not None and not re.fullmatch(r"[A-Za-z][\w-]*", str(label)):
        raise RenderError(f"{fence.where}: cell label {label!r} must be letters, digits, '-' and '_'")
    return Cell("\n".join(code), options, fence)


def parse(path: Path) -> Document:
    lines = read_lines(Path(path))
    front: dict[str, Any] = {}
    start = 0
    if lines and lines[0].text.strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].text.strip() in ("---", "...")), None)
        if end is None:
            raise RenderError(f"{lines[0].where}: front matter is not closed with '---'")
        try:
            front = yaml.safe_load("\n".join(x.text for x in lines[1:end])) or {}
        except yaml.YAMLError as exc:
            raise RenderError(f"{lines[0].where}: front matter is not valid YAML: {exc}") from exc
        start = end + 1
    doc = Document(Path(path), front)
    buffer: list[Line] = []

    def flush() -> None:
        if buffer:
            doc.blocks.append(Markdown("\n".join(x.text for x in buffer), buffer[0]))
            buffer.clear()

    labels: set[str] = set()
    references: list[tuple[str, Line]] = []
    i = start
    in_code = False
    while i < len(lines):
        line = lines[i]
        if not in_code and _CELL_OPEN.match(line.text):
            flush()
            j = i + 1
            while j < len(lines) and not _CELL_CLOSE.match(lines[j].text):
                j += 1
            if j == len(lines):
                raise RenderError(f"{line.where}: code cell is not closed")
            cell = _parse_cell(lines[i + 1:j], line)
            labels.add(str(cell.options.get("label") or ""))
            doc.blocks.append(cell)
            i = j + 1
            continue
        other = _OTHER_CELL.match(line.text)
        if not in_code and other and not line.text.startswith("```{="):
            raise RenderError(f"{line.where}: ```{{{other.group(1)}}} cells are not supported (only {{python}})")
        if line.text.startswith("```"):
            in_code = not in_code
        elif not in_code:
            div = _DIV.match(line.text)
            if div:
                _check_div(div.group(2), line)
                labels.update(_DIV_ID.findall(div.group(2)))
            else:
                _check_markdown_line(line)
                heading = _HEADING_ID.match(line.text)
                if heading:
                    labels.add(heading.group(1))
                prose = re.sub(r"`[^`]*`", "", line.text)
                references += [(m, line) for m in _XREF.findall(prose)]
                doc.citations += [(m, line) for m in _CITE.findall(prose)]
        buffer.append(line)
        i += 1
    flush()
    for target, line in references:
        if target not in labels:
            raise RenderError(f"{line.where}: cross-reference @{target} points to nothing: no figure, table or "
                              f"section has the label {target}")
    return doc
