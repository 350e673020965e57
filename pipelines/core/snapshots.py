"""The snapshot store: shipped and captured source files, each with an origin sidecar.

Every data file ``<name>`` under the snapshot directory has a sidecar ``<name>.origin.yaml`` that says
where it came from (producer, title, URL, dates, licence, citation, how it was obtained) and pins its
bytes with a sha256. Readers never open a data file directly: they ask the store, which reads the bytes
once, checks them against the sidecar, and hands back those same bytes, so what is parsed is exactly what
was verified. A file without a sidecar, a sidecar without its file, a missing origin field or a checksum
mismatch is refused with the file named.

A *directory snapshot* (an API capture of many pages) is a folder holding ``MANIFEST.json`` plus the files
it lists, each with its sha256. The manifest is the snapshot's data file and has the sidecar; its members
need no sidecars of their own, but every member must be listed, present and exactly the listed bytes, and
nothing unlisted may sit in the folder. Folders and files whose name starts with a dot are not part of the
store (temporary areas of a capture in progress).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import Problem, SnapshotError

SIDECAR_SUFFIX = ".origin.yaml"
# The data file of a directory snapshot: a JSON object whose "files" lists {"path", "sha256"} per member.
MANIFEST_NAME = "MANIFEST.json"
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
# a document that shows no publication date says so; its figures are undated (never newer than a dated one)
UNDATED = "ongedateerd"
_PUBLISHED = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|" + UNDATED + ")$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot file: its id (path relative to the store root), origin and bytes."""

    id: str
    path: Path
    origin: dict[str, Any]
    data: bytes
    # Directory snapshots: (member path relative to the manifest's folder, sha256) for every listed file.
    members: tuple[tuple[str, str], ...] = ()

    @property
    def sha256(self) -> str:
        return self.origin["sha256"]

    def member(self, name: str) -> bytes:
        """The bytes of one member of a directory snapshot, read once and verified against the manifest."""
        expected = dict(self.members).get(name)
        member_id = f"{self.id.rsplit('/', 1)[0]}/{name}" if "/" in self.id else name
        if expected is None:
            raise SnapshotError(f"{member_id} is not listed in {self.id}",
                                [Problem("not a member of this capture", file=member_id)])
        path = self.path.parent / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SnapshotError(f"Capture file missing: {member_id}", [Problem(str(exc), file=member_id)],
                                hint="restore the capture from git or fetch it again") from exc
        actual = sha256_bytes(data)
        if actual != expected:
            raise SnapshotError(
                f"Checksum mismatch: {member_id} is not the file its manifest lists",
                [Problem(f"checksum mismatch: the file's sha256 is {actual}, {self.id} says {expected}", file=member_id, field="sha256")],
                hint="restore the capture from git or fetch it again; captured pages are never edited by hand",
            )
        return data

    @property
    def layout(self) -> dict[str, Any]:
        return self.origin.get("layout") or {}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks (large files are never held in memory whole)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
        ("published", _PUBLISHED, f"must be a date YYYY, YYYY-MM or YYYY-MM-DD, or {UNDATED} when the document shows none"),
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
        members = self._verify_members(snapshot_id, path, data) if path.name == MANIFEST_NAME else ()
        return Snapshot(id=snapshot_id, path=path, origin=origin, data=data, members=members)

    def _verify_members(self, snapshot_id: str, manifest: Path, data: bytes) -> tuple[tuple[str, str], ...]:
        """Check a directory snapshot: every listed file present with its sha256, nothing unlisted."""
        try:
            listed = json.loads(data)["files"]
            members = tuple((str(f["path"]), str(f["sha256"])) for f in listed)
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"Manifest {snapshot_id} is not a valid capture manifest",
                                [Problem(f"expected a JSON object with 'files': [{{path, sha256}}] ({exc})", file=snapshot_id)]) from exc
        folder = manifest.parent
        base = snapshot_id.rsplit("/", 1)[0] + "/" if "/" in snapshot_id else ""
        problems = []
        for name, expected in members:
            target = (folder / name).resolve()
            if folder.resolve() not in target.parents:
                problems.append(Problem("member path leaves the capture folder", file=snapshot_id, value=name))
                continue
            if not target.is_file():
                problems.append(Problem(f"listed in {snapshot_id} but missing", file=base + name))
                continue
            actual = sha256_file(target)
            if actual != expected:
                problems.append(Problem(f"checksum mismatch: the file's sha256 is {actual}, {snapshot_id} says {expected}",
                                        file=base + name, field="sha256"))
        listed_names = {n for n, _ in members} | {MANIFEST_NAME, MANIFEST_NAME + SIDECAR_SUFFIX}
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and _visible(rel) and rel not in listed_names:
                problems.append(Problem(f"file in a capture folder that {snapshot_id} does not list", file=base + rel))
        if problems:
            raise SnapshotError(f"Capture {snapshot_id} is damaged", problems,
                                hint="restore the capture folder from git or fetch the table again (`monitor fetch cbs ID`); "
                                "never edit captured pages")
        return members

    def _capture_folders(self) -> list[Path]:
        return [p.parent for p in self.root.rglob(MANIFEST_NAME) if _visible(self._rel(p))]

    def data_files(self) -> list[str]:
        """Ids of every data file in the store (everything except sidecars, READMEs, capture members and
        dot-folders); a directory snapshot counts once, by its manifest."""
        captures = self._capture_folders()

        def member_of_capture(p: Path) -> bool:
            return p.name != MANIFEST_NAME and any(c in p.parents for c in captures)

        return sorted(
            self._rel(p)
            for p in self.root.rglob("*")
            if p.is_file() and _visible(self._rel(p)) and not p.name.endswith(SIDECAR_SUFFIX)
            and p.name not in _DOC_FILES and not member_of_capture(p)
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
            if not _visible(self._rel(sidecar)):
                continue
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


def _visible(rel: str) -> bool:
    """False for anything inside a dot-folder or named with a leading dot (work areas of a capture)."""
    return not any(part.startswith(".") for part in rel.split("/"))


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
