"""Decode and parse CSV bytes strictly, with errors that name the file, field and row."""

from __future__ import annotations

import csv
import io
import math
import re

from pipelines.core.errors import Problem, SourceFormatError

# CBS "Verklaring van tekens": '.' missing, 'x' secret, '-'/'–' nil. Empty cells are missing too.
SYMBOL_STATUS = {"": "missing", ".": "missing", "x": "secret"}
NIL_SYMBOLS = {"-", "–"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def read_rows(data: bytes, file: str, required: list[str] | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """UTF-8 CSV bytes -> (header, rows). Refuses wrong encodings, empty and ragged (truncated) files."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"{file} is not UTF-8 text",
            [Problem(f"undecodable byte at offset {exc.start}", file=file)],
            hint="save the file as UTF-8 (CSV UTF-8 in Excel); snapshots are stored as UTF-8",
        ) from exc
    if not text.strip():
        raise SourceFormatError(f"{file} is empty", [Problem("no header and no rows", file=file)])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        table = list(reader)
    except csv.Error as exc:
        message = str(exc)
        if message == "unexpected end of data":  # the file ends inside a quoted field
            message += " inside a quoted field: the file may be truncated"
        raise SourceFormatError(
            f"{file} is not well-formed CSV",
            [Problem(message, file=file, row=max(reader.line_num - 1, 0))],
            hint="the file may be truncated (an unclosed quote); restore or re-download it",
        ) from exc
    header = [h.strip() for h in table[0]]
    problems = []
    rows = []
    for i, cells in enumerate(table[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(f"has {len(cells)} fields, the header has {len(header)}", file=file, row=i)
            )
            continue
        rows.append(dict(zip(header, cells)) | {"__row__": str(i)})
    if not text.endswith("\n"):
        problems.append(Problem("file does not end with a newline: it may be truncated", file=file, row=len(table) - 1))
    missing = [c for c in (required or []) if c not in header]
    problems += [Problem("required column is missing", file=file, field=c) for c in missing]
    if problems:
        raise SourceFormatError(f"{file} does not have the expected shape", problems)
    if not rows:
        raise SourceFormatError(f"{file} has a header but no data rows", [Problem("no data rows", file=file)])
    return header, rows


def parse_number(raw: str, file: str, field: str, row: int) -> tuple[float | None, str | None]:
    """A cell -> (value, symbol status). '.'/'' -> (None, 'missing'), 'x' -> (None, 'secret'), '-' -> (0, None)."""
    text = raw.strip()
    if text in SYMBOL_STATUS:
        return None, SYMBOL_STATUS[text]
    if text in NIL_SYMBOLS:
        return 0.0, None
    if not _NUMBER.match(text):
        raise SourceFormatError(
            f"{file}: not a number",
            [Problem("expected a number in plain notation (1234.5), a CBS symbol or an empty cell", file=file, field=field, row=row, value=raw)],
            hint="Dutch notation (1.234,5) must be converted when transcribing; see docs/snapshots.md",
        )
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise SourceFormatError(f"{file}: not a finite number", [Problem("not finite", file=file, field=field, row=row, value=raw)])
    return value, None
