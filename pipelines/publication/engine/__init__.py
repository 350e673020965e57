"""Render the Quarto project in reports/: with ``quarto`` when it is on PATH, else with the offline engine."""

from pipelines.publication.engine.errors import RenderError
from pipelines.publication.engine.render import engine_name, render

__all__ = ["RenderError", "engine_name", "render"]
