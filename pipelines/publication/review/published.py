"""The publication files of a build, from its manifest (``build.json``: ``files``), in edition order."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = "build.json"
DUTCH_STEM = "monitor"  # monitor.html / monitor.pdf; other editions are monitor.<lang>.html / .pdf


def published(output: Path, suffix: str) -> list[Path]:
    """Every published top-level file ending in ``suffix`` (".pdf", ".html"), the Dutch edition first."""
    manifest = json.loads((Path(output) / MANIFEST).read_text(encoding="utf-8"))
    names = [n for n in manifest.get("files", []) if n.endswith(suffix) and "/" not in n]
    return [Path(output) / n for n in sorted(names, key=lambda n: (n != DUTCH_STEM + suffix, n))]


def edition(path: Path) -> str:
    """"nl" for monitor.pdf, "en" for monitor.en.pdf."""
    parts = Path(path).name.split(".")
    return parts[1] if len(parts) > 2 else "nl"
