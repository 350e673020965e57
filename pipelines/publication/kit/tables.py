"""Tables as Pandoc pipe tables in which every cell, header and note is escaped text.

Column widths follow the content: when a row is longer than the text width, Pandoc gives each column the
share of the width that its dashes have in the separator line, so the dashes are set from the longest word
and the typical length of each column (a long text column gets room, a number column stays narrow, no column
is squeezed to one word per line). Numbers are right-aligned. A numeric column must say how it is written
(``formats``: decimals or a function, e.g. ``fmt``) or be listed in ``plain`` (years, codes): no number is
printed in a notation the edition's language does not use by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pipelines.publication.kit.markdown_text import escape
from pipelines.publication.kit.numbers import fmt

SIZES = ("normal", "small", "landscape")


class TableError(ValueError):
    pass


def records(df) -> tuple[list[str], list[dict[str, Any]]]:
    if hasattr(df, "to_dicts"):
        return list(df.columns), df.to_dicts()
    return [str(c) for c in df.columns], df.to_dict("records")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _formatter(column: str, spec: int | Callable[[Any], str]) -> Callable[[Any], str]:
    if isinstance(spec, int) and not isinstance(spec, bool):
        return lambda v: fmt(v, spec)
    if callable(spec):
        return lambda v: str(spec(v))
    raise TableError(f"table(): the format of column {column!r} must be a number of decimals or a function, got {spec!r}")


def _width(header: str, cells: list[str]) -> int:
    words = [w for text in [header, *cells] for w in text.split()] or [""]
    longest_word = max(len(w) for w in words)
    typical = sorted(len(c) for c in cells)[len(cells) * 3 // 4] if cells else len(header)
    return max(3, longest_word, min(typical, 60))


def pipe_table(df, formats: Mapping[str, int | Callable[[Any], str]] | None = None,
               plain: Iterable[str] = (), context: str = "table()") -> str:
    columns, rows = records(df)
    formats, plain = dict(formats or {}), set(plain)
    unknown = sorted((set(formats) | plain) - set(columns))
    if unknown:
        raise TableError(f"{context}: formats/plain name columns that are not in the table: {unknown} "
                         f"(columns: {columns})")
    numeric = [c for c in columns if rows and any(_is_number(r[c]) for r in rows)
               and all(_is_number(r[c]) or r[c] is None for r in rows)]
    unformatted = [c for c in numeric if c not in formats and c not in plain]
    if unformatted:
        raise TableError(f"{context}: numeric columns {unformatted} need a format (formats={{'{unformatted[0]}': 0}} "
                         "for decimals, or a function such as fmt/pct) or must be listed in plain= (years, codes)")
    writers = {c: _formatter(c, formats[c]) for c in formats}

    def text(column: str, value: Any) -> str:
        if column in writers:
            return writers[column](value)
        return "" if value is None else str(value)

    body = [[escape(text(c, r[c])) for c in columns] for r in rows]
    headers = [escape(c) for c in columns]
    widths = [_width(columns[i], [row[i] for row in body]) for i in range(len(columns))]
    total = sum(widths) or 1
    dashes = [max(3, round(80 * w / total)) for w in widths]
    separator = "|" + "|".join(("-" * (d - 1) + ":") if c in numeric else "-" * d for c, d in zip(columns, dashes)) + "|"
    lines = ["| " + " | ".join(headers) + " |", separator]
    lines += ["| " + " | ".join(cell if cell else " " for cell in row) + " |" for row in body]
    return "\n".join(lines)


def sized(markdown: str, size: str) -> str:
    """Wrap a table in the div that sets it in a smaller type or on a landscape page (PDF)."""
    if size not in SIZES:
        raise TableError(f"table(): size must be one of {SIZES}, got {size!r}")
    if size == "normal":
        return markdown
    return f"::: {{.monitor-{size}}}\n{markdown}\n:::"
