"""Parts that several data contracts share, written once in ``data_contracts/shared_parts.yaml``.

YAML anchors cannot cross files, and each table has its own contract file; so a contract refers to a shared part
by name and the loader puts the part in place before the contract is validated against ODCS::

    properties: {$part: observation_properties}     # the value is the part (here: a list of columns)
    quality:
      - name: not_empty                             # a rule of this table
        ...
      - $part: rule_origin                          # a list item is the part; a part that is a list is spliced in
    description: {$part: observation_purpose, usage: ...}   # a mapping part, with keys of its own on top

The parts file is a mapping from part name to value; a part may itself refer to other parts. A reference to a
part that does not exist, or a part that refers to itself, stops the load naming the contract file, the field
and the part.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import MonitorError, Problem

PARTS_FILE = "shared_parts.yaml"
KEY = "$part"


def _parts(path: Path) -> dict[str, Any]:
    return _parts_at(path, path.stat().st_mtime_ns) if path.exists() else {}


@functools.cache
def _parts_at(path: Path, mtime_ns: int) -> dict[str, Any]:
    parts = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(parts, dict) or not all(isinstance(k, str) for k in parts):
        raise MonitorError(f"Contract parts {path.name} must be a mapping from part name to value",
                           [Problem("not a mapping of names", file=f"data_contracts/{path.name}")])
    return parts


def parts_file(contract: Path) -> Path:
    """The shared-parts file a contract file refers to: the one in its folder."""
    return contract.parent / PARTS_FILE


def resolve(doc: Any, contract: Path, rel: str) -> Any:
    """``doc`` (a parsed contract file) with every ``$part`` reference replaced by a copy of its part."""
    parts = _parts(parts_file(contract))

    def part(name: Any, where: list[str], seen: tuple[str, ...]) -> Any:
        if not isinstance(name, str) or name not in parts:
            known = ", ".join(sorted(parts)) or f"none: {PARTS_FILE} is missing or empty"
            raise MonitorError(f"Contract {rel} refers to a shared part that does not exist",
                               [Problem(f"no part {name!r} in data_contracts/{PARTS_FILE}", file=rel,
                                        field=".".join(where) or KEY, value=name)],
                               hint=f"add the part to data_contracts/{PARTS_FILE} or fix the name (known parts: {known})")
        if name in seen:
            raise MonitorError(f"Contract {rel}: shared part {name!r} refers to itself",
                               [Problem(" -> ".join([*seen, name]), file=f"data_contracts/{PARTS_FILE}", field=name)])
        return walk(copy.deepcopy(parts[name]), where, (*seen, name))

    def walk(node: Any, where: list[str], seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            if KEY in node:
                base = part(node[KEY], where, seen)
                local = {k: walk(v, [*where, str(k)], seen) for k, v in node.items() if k != KEY}
                if not local:
                    return base
                if not isinstance(base, dict):
                    raise MonitorError(f"Contract {rel}: a part with keys of its own must be a mapping",
                                       [Problem(f"part {node[KEY]!r} is a {type(base).__name__}", file=rel,
                                                field=".".join(where), value=node[KEY])])
                return base | local
            return {k: walk(v, [*where, str(k)], seen) for k, v in node.items()}
        if isinstance(node, list):
            out: list[Any] = []
            for i, item in enumerate(node):
                label = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else str(i)
                value = walk(item, [*where, label], seen)
                spliced = isinstance(item, dict) and set(item) == {KEY} and isinstance(value, list)
                out.extend(value) if spliced else out.append(value)
            return out
        return node

    return walk(doc, [], ())
