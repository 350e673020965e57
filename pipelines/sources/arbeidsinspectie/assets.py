"""Dagster assets of the Arbeidsinspectie source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_arbeidsinspectie__observations = raw_observations_asset("arbeidsinspectie")

assets = [raw_arbeidsinspectie__observations]
