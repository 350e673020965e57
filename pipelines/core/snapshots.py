"""The snapshot store: shipped and captured source files, each with an origin sidecar.

Every data file ``<name>`` under the snapshot directory has a sidecar ``<name>.origin.yaml`` that says
where it came from (producer, title, URL, dates, licence, citation, how it was obtained) and pins its
bytes with a sha256. Readers never open a data file directly: they ask the store, which reads the bytes
once, checks them against the sidecar, and hands back those same bytes, so what is parsed is exactly what
was verified. A file without a sidecar, a sidecar without its file, a missing origin field or a checksum
mismatch is refused with the file named.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import Problem, SnapshotError

SIDECAR_SUFFIX = ".origin.yaml"
# Files in the snapshot tree that are documentation, not data.
_DOC_FILES = {"README.md"}

REQUIRED_ORIGIN_FIELDS = (
    "sha256",
    "producer",
    "title",
    "url",
    "published",
    "retrieved",
    "licence",
    "citation",
    "obtained",
)
OBTAINED_KINDS = {
    "api_capture": "captured from the publisher's API by `monitor fetch`",
    "file_download": "a file as downloaded from the publisher",
    "transcription": "figures copied digit for digit from a stored copy of a page, table or letter",
    "machine_copy": "values taken from a data file in a public repository that itself fetched the source",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot file: its id (path relative to the store root), origin and bytes."""

    id: str
    path: Path
    origin: dict[str, Any]
    data: bytes

    @property
    def sha256(self) -> str:
        return self.origin["sha256"]

    @property
    def layout(self) -> dict[str, Any]:
        return self.origin.get("layout") or {}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sidecar_path(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + SIDECAR_SUFFIX)


def origin_problems(origin: Any, sidecar: str) -> list[Problem]:
    """Everything wrong with an origin sidecar's content (empty list when it is complete)."""
    if not isinstance(origin, dict):
        return [Problem("sidecar is not a YAML mapping", file=sidecar)]
    problems = []
    for key in REQUIRED_ORIGIN_FIELDS:
        value = origin.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(Problem("required origin field is missing or empty", file=sidecar, field=key))
    checks = (
        ("sha256", _SHA, "must be 64 lowercase hex digits"),
        ("url", _URL, "must be an http(s) URL"),
        ("published", _DATE, "must be a date YYYY, YYYY-MM or YYYY-MM-DD"),
        ("retrieved", _DATE, "must be a date YYYY, YYYY-MM or YYYY-MM-DD"),
    )
    for key, pattern, rule in checks:
        value = origin.get(key)
        if value is not None and not pattern.match(str(value)):
            problems.append(Problem(rule, file=sidecar, field=key, value=value))
    obtained = origin.get("obtained")
    if obtained is not None and obtained not in OBTAINED_KINDS:
        problems.append(
            Problem(f"must be one of {sorted(OBTAINED_KINDS)}", file=sidecar, field="obtained", value=obtained)
        )
    return problems


class SnapshotStore:
    """Read-and-verify access to a snapshot directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read(self, snapshot_id: str) -> Snapshot:
        """Read one data file, verify it against its sidecar, return the verified bytes."""
        path = self.root / snapshot_id
        sidecar = sidecar_path(path)
        rel_sidecar = self._rel(sidecar)
        if not path.is_file():
            raise SnapshotError(
                f"Snapshot file not found: {snapshot_id}",
                [Problem("file does not exist", file=snapshot_id)],
                hint="restore it from git (`git checkout -- data/snapshots`) or capture it again",
            )
        if not sidecar.is_file():
            raise SnapshotError(
                f"Snapshot {snapshot_id} has no origin sidecar",
                [Problem(f"expected {rel_sidecar}", file=snapshot_id)],
                hint="every snapshot needs its origin (publisher, URL, dates, licence, citation, sha256); "
                "see docs/snapshots.md",
            )
        try:
            origin = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise SnapshotError(
                f"Origin sidecar of {snapshot_id} is not valid YAML",
                [Problem(str(exc).splitlines()[0], file=rel_sidecar)],
            ) from exc
        problems = origin_problems(origin, rel_sidecar)
        if problems:
            raise SnapshotError(
                f"Origin sidecar of {snapshot_id} is incomplete", problems, hint="complete the sidecar; see docs/snapshots.md"
            )
        data = path.read_bytes()
        actual = sha256_bytes(data)
        if actual != origin["sha256"]:
            raise SnapshotError(
                f"Checksum mismatch: {snapshot_id} is not the file its origin describes",
                [Problem(f"checksum mismatch: the file's sha256 is {actual}, its sidecar says {origin['sha256']}", file=snapshot_id, field="sha256")],
                hint="if the change is intended (a corrected transcription, a new capture), record it with "
                "`monitor snapshots rehash PATH` and explain the change in the sidecar's notes; otherwise "
                "restore the file from git",
            )
        return Snapshot(id=snapshot_id, path=path, origin=origin, data=data)

    def data_files(self) -> list[str]:
        """Ids of every data file in the store (everything except sidecars and READMEs)."""
        return sorted(
            self._rel(p)
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX) and p.name not in _DOC_FILES
        )

    def verify_all(self) -> list[Snapshot]:
        """Verify the whole store; raise one error listing every defect found."""
        problems: list[Problem] = []
        verified: list[Snapshot] = []
        for snapshot_id in self.data_files():
            try:
                verified.append(self.read(snapshot_id))
            except SnapshotError as exc:
                problems.extend(exc.problems or [Problem(exc.summary, file=snapshot_id)])
        for sidecar in sorted(self.root.rglob("*" + SIDECAR_SUFFIX)):
            data = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
            if not data.exists():
                problems.append(Problem("sidecar has no data file beside it", file=self._rel(sidecar)))
        if problems:
            raise SnapshotError(
                f"{len(problems)} problem(s) in the snapshot store {self.root}",
                problems,
                hint="a snapshot must be exactly the file its origin sidecar describes: restore a damaged file from git "
                "(`git checkout -- <file>`); if a change is intended, record it with `monitor snapshots rehash <file>` and "
                "say why in the sidecar's notes (docs/snapshots.md)",
            )
        return verified

    def under(self, prefix: str) -> list[Snapshot]:
        """Verified snapshots whose id starts with ``prefix`` (a source folder such as ``cbs/``)."""
        return [self.read(i) for i in self.data_files() if i.startswith(prefix)]


def write_sidecar(data_path: Path, origin: dict[str, Any]) -> Path:
    """Write (or rewrite) a sidecar with the file's current sha256; origin fields are kept as given."""
    data_path = Path(data_path)
    origin = dict(origin)
    origin["sha256"] = sha256_bytes(data_path.read_bytes())
    target = sidecar_path(data_path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(yaml.safe_dump(origin, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    tmp.replace(target)
    return target
