"""Dagster assets of the WagwEU source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_wagweu__observations = raw_observations_asset("wagweu")

assets = [raw_wagweu__observations]
