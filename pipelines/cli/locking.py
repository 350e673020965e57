"""`--wait` and the build lock as the commands use them (the lock itself: pipelines/core/build_lock.py)."""

from __future__ import annotations

from contextlib import contextmanager

import typer

from pipelines.cli.console import console
from pipelines.settings import paths

WAIT_OPTION = typer.Option(0.0, "--wait", metavar="SECONDS",
                           help="When another build holds the warehouse, wait up to this long for it (default: exit at once).")


@contextmanager
def exclusive_build(command: str, wait: float):
    """Hold the work directory's build lock, or say who holds it and exit 1 (nothing changed)."""
    from pipelines.core.build_lock import build_lock
    from pipelines.core.errors import BuildLockHeld

    try:
        with build_lock(paths().work_dir, command, wait=wait):
            yield
    except BuildLockHeld as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
