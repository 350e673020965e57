"""One folder per source. Each holds its readers and an ``assets`` module exporting ``assets`` (a list of
Dagster asset definitions); ``discover_source_assets`` finds them, so adding a source is adding a folder.
Shared readers live in ``common``."""

from __future__ import annotations

import importlib
import pkgutil


def source_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and m.name != "common")


def discover_source_assets() -> list:
    found = []
    for name in source_names():
        module = importlib.import_module(f"{__name__}.{name}.assets")
        found.extend(module.assets)
    return found
