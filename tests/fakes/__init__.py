"""Test doubles: a local CBS-shaped OData server with SYNTHETIC data (never published)."""
