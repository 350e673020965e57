"""Errors that speak to people: each names the file, the field and the row where it can, and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One thing wrong with one piece of input."""

    message: str
    file: str | None = None
    field: str | None = None
    row: int | None = None  # 1-based data row (header excluded), as a spreadsheet user counts
    value: object = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        shown = "" if self.value is None else f" (value: {self.value!r})"
        return f"{prefix}: {self.message}{shown}" if prefix else f"{self.message}{shown}"


@dataclass
class MonitorError(Exception):
    """Base error. ``problems`` lists every defect found, not only the first."""

    summary: str
    problems: list[Problem] = field(default_factory=list)
    hint: str | None = None

    def __str__(self) -> str:
        lines = [self.summary]
        shown = self.problems[:10]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        if self.hint:
            lines.append(f"  What to do: {self.hint}")
        return "\n".join(lines)


class SnapshotError(MonitorError):
    """A shipped or captured snapshot is missing, altered, or lacks its origin."""


class SourceFormatError(MonitorError):
    """A source file does not have the shape its reader expects."""


class PublishError(MonitorError):
    """The publication could not be assembled or released."""


class BuildLockHeld(MonitorError):
    """Another process holds the build lock of the work directory (pipelines/core/build_lock.py)."""
