"""Dagster assets of the WagwEU source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_wagweu__observations = raw_observations_asset(
    "wagweu",
    "WagwEU meldloket figures (posted workers, third-country nationals) as published in letters to parliament, "
    "one row per figure with the sentence it was read from.",
)

assets = [raw_wagweu__observations]
