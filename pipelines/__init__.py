"""Monitor Arbeidsmigratie: the Dagster code location and its library code.

Layers (see ARCHITECTURE.md): snapshots -> raw -> staging -> marts -> publication.
"""

__version__ = "0.1.0"
