"""Dagster assets of the IND source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_ind__observations = raw_observations_asset("ind")

assets = [raw_ind__observations]
