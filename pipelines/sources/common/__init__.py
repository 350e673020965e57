"""Readers shared by several sources: layout-driven wide CSV tables and published-figure transcriptions."""
