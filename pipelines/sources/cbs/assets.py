"""Dagster assets of the CBS source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_cbs__observations = raw_observations_asset("cbs")

assets = [raw_cbs__observations]
