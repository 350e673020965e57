"""Dagster assets of the published-estimates register."""

from pipelines.sources.common.assets import raw_observations_asset

raw_register__observations = raw_observations_asset("register")

assets = [raw_register__observations]
