"""Dagster assets of the UWV source."""

from pipelines.sources.common.assets import raw_observations_asset, raw_reference_asset

raw_uwv__observations = raw_observations_asset("uwv")

raw_uwv__spanningsindicator_klassen = raw_reference_asset("uwv", "raw_uwv__spanningsindicator_klassen")

assets = [raw_uwv__observations, raw_uwv__spanningsindicator_klassen]
