"""Dagster assets of the WagwEU source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_wagweu__observations = raw_observations_asset(
    "wagweu",
    "WagwEU meldloket figures (posted workers, third-country nationals) as published in letters to parliament and "
    "the ministry's news, SEO's analysis of the 2021 meldloket data (by sending country, sector and nationality), "
    "and the 2024 notification figures the SER advice cites (cited_only); one row per figure with its quote.",
)

assets = [raw_wagweu__observations]
