"""One build at a time per work directory, and a clear word when another one holds it.

DuckDB lets one process write the working warehouse; a second `monitor build` used to die on DuckDB's raw
``Could not set lock on file`` error. Every command that writes the warehouse first takes an exclusive lock on
``<work dir>/build.lock`` (an OS file lock: released by the kernel when the holder exits or is killed, so a
crashed build never leaves a stale lock behind). The holder writes its PID, command and start time into the
file, so the one that has to wait can say who it is waiting for.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pipelines.core.errors import BuildLockHeld

LOCK_NAME = "build.lock"


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe_holder(info: dict) -> str:
    if not info:
        return "another process (it has not written its details yet)"
    return f"`{info.get('command', 'monitor')}` (PID {info.get('pid', '?')}, started {info.get('started_at', '?')})"


@contextmanager
def build_lock(work_dir: Path, command: str, wait: float = 0.0, poll: float = 0.5) -> Iterator[Path]:
    """Hold the build lock of ``work_dir`` for the duration of the block.

    ``wait``: seconds to wait for another holder to finish (0: do not wait). Raises ``BuildLockHeld`` naming the
    holder when the lock cannot be had."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = describe_holder(_holder(path))
                    raise BuildLockHeld(
                        summary=f"Another build holds the warehouse in {work_dir}: {holder}. Nothing was changed. "
                        "Wait for it to finish", hint="run again when it is done, or with --wait SECONDS to wait for "
                        "it; the lock belongs to the running process and is gone as soon as it exits") from None
                time.sleep(poll)
        info = {"pid": os.getpid(), "command": command,
                "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "argv": sys.argv}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
