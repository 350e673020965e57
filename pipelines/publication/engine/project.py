"""The Quarto project in ``reports/``: ``_quarto.yml`` merged with the active profile's ``_quarto-<p>.yml``.

Every key is checked against what the offline engine implements (``SUPPORTED``); any other key fails the
render with the file and the key, so nothing written in the configuration is silently ignored. Profiles work
as in Quarto: ``profile.default`` is the default, ``profile.group`` lists profiles of which one is active,
the profile's file is merged over ``_quarto.yml`` (mappings merged key by key, other values replaced).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.publication.engine.errors import RenderError

# key -> nested keys allowed (None: a value, no nesting checked)
DOCUMENT_KEYS: dict[str, Any] = {
    "title": None, "subtitle": None, "author": None, "date": None, "abstract": None, "lang": None,
    "edition": None,  # the edition label (running header, title page)
    "toc": None, "toc-depth": None, "toc-title": None, "number-sections": None,
    "bibliography": None, "csl": None, "link-citations": None, "output-file": None,
    "crossref": {"fig-prefix": None, "tbl-prefix": None, "sec-prefix": None, "fig-title": None, "tbl-title": None},
    "execute": {"echo": None, "warning": None, "output": None, "include": None},
}
FORMAT_KEYS = {
    "html": {"embed-resources": None, "css": None, "toc": None},
    "typst": {"papersize": None, "citeproc": None, "template-partials": None, "toc": None},
}
PROJECT_KEYS = {
    "project": {"type": {"default"}, "output-dir": None, "render": None},
    "profile": {"default": None, "group": None},
    "format": FORMAT_KEYS,
    **DOCUMENT_KEYS,
}


def _check(mapping: Any, allowed: dict[str, Any], source: Path, prefix: str = "") -> None:
    if not isinstance(mapping, dict):
        raise RenderError(f"{source}: {prefix.rstrip('.') or 'the file'} must be a mapping, got {mapping!r}")
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if key not in allowed:
            raise RenderError(f"{source}: key '{name}' is not supported by the offline publication engine "
                              f"(supported here: {', '.join(sorted(allowed))}); see docs/publication-engine.md")
        rule = allowed[key]
        if isinstance(rule, dict):
            _check(value, rule, source, name + ".")
        elif isinstance(rule, set) and value not in rule:
            raise RenderError(f"{source}: '{name}: {value}' is not supported (only {sorted(rule)})")


def check_front_matter(front: dict[str, Any], source: Path) -> None:
    _check(front, {**DOCUMENT_KEYS, "format": FORMAT_KEYS}, source)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{path}: not valid YAML: {exc}") from exc
    _check(data, PROJECT_KEYS, path)
    return data


@dataclass(frozen=True)
class Project:
    directory: Path
    config: dict[str, Any]  # merged over the active profile
    profile: str | None

    @property
    def output_stem(self) -> str | None:
        value = self.config.get("output-file")
        return str(value).removesuffix(".html").removesuffix(".pdf") if value else None

    def format_options(self, fmt: str) -> dict[str, Any]:
        return dict((self.config.get("format") or {}).get(fmt) or {})


def profiles(directory: Path) -> list[str | None]:
    """The profiles to render, default first: the first group of ``profile.group`` (one edition each), else
    the default profile alone, else no profile."""
    path = directory / "_quarto.yml"
    if not path.exists():
        return [None]
    profile = _load(path).get("profile") or {}
    groups = profile.get("group") or []
    names = list(groups[0]) if groups else []
    default = profile.get("default") or (names[0] if names else None)
    if default and default not in names:
        names.insert(0, default)
    names.sort(key=lambda n: n != default)
    return names or [None]


def load(directory: Path, profile: str | None) -> Project:
    path = directory / "_quarto.yml"
    config = _load(path) if path.exists() else {}
    if profile:
        overlay = directory / f"_quarto-{profile}.yml"
        if not overlay.exists():
            raise RenderError(f"{path}: profile '{profile}' has no file {overlay.name}")
        over = _load(overlay)
        if "profile" in over:
            raise RenderError(f"{overlay}: 'profile' belongs in _quarto.yml")
        config = merge(config, over)
    return Project(directory, config, profile)
