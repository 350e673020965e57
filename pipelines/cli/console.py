"""The one console every `monitor` command writes to (stderr).

In a terminal rich wraps long lines to the window; when the output goes to a file, a cron mail or a CI log it
does not wrap at all, so a file name or a snapshot path is never cut in two and can be searched for.
"""

from __future__ import annotations

import sys

from rich.console import Console


def make_console(stream=None) -> Console:
    stream = stream or sys.stderr
    interactive = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=stream, soft_wrap=not interactive)


console = make_console()
