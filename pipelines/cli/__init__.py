"""The `monitor` command."""

from pipelines.cli.main import app

__all__ = ["app"]
