"""The work area of a capture in progress: pages already received, so a failed fetch can resume.

``$MONITOR_WORK_DIR/cbs_capture/<table>/`` holds each page received (content-addressed) and a journal
line per page (URL -> sha256). It is keyed by what was asked (API, base URL, data set, filter) and by the
table's Modified date: a rerun after a failure reuses pages while CBS has not changed the table, and starts
afresh when it has. It is never part of the snapshot store; a successful capture removes it.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from pipelines.core.snapshots import sha256_bytes


class WorkArea:
    def __init__(self, root: Path, key: dict):
        self.root = Path(root)
        self.pages_dir = self.root / "pages"
        self._journal = self.root / "journal.jsonl"
        self._lock = threading.Lock()
        self._pages: dict[str, str] = {}
        key_file = self.root / "key.json"
        if self.root.exists():
            try:
                same = json.loads(key_file.read_text(encoding="utf-8")) == key
            except (OSError, ValueError):
                same = False
            if not same:
                shutil.rmtree(self.root)
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(json.dumps(key, sort_keys=True), encoding="utf-8")
        if self._journal.exists():
            for line in self._journal.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self._pages[entry["url"]] = entry["sha256"]
                except (ValueError, KeyError):
                    continue  # a line cut short by a crash: that page is fetched again

    def page_path(self, sha256: str) -> Path:
        return self.pages_dir / f"{sha256}.json"

    def cached(self, url: str) -> tuple[bytes, str] | None:
        """The bytes received earlier for ``url`` and their sha256, if still intact."""
        sha = self._pages.get(url)
        if sha is None:
            return None
        try:
            data = self.page_path(sha).read_bytes()
        except OSError:
            return None
        return (data, sha) if sha256_bytes(data) == sha else None

    def put(self, url: str, data: bytes, sha: str) -> None:
        """Keep ``data`` (whose sha256 the caller computed) as the page received for ``url``."""
        path = self.page_path(sha)
        if not path.exists():
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")  # pages arrive in parallel
            tmp.write_bytes(data)
            tmp.replace(path)
        with self._lock:
            self._pages[url] = sha
            with self._journal.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"url": url, "sha256": sha}) + "\n")

    @property
    def size(self) -> int:
        return len(self._pages)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
