"""Dagster assets of the UWV source."""

from pipelines.sources.common.assets import raw_observations_asset, raw_reference_asset

raw_uwv__observations = raw_observations_asset(
    "uwv",
    "UWV figures as delivered, one row per figure: TWV and GVVA counts from the UWV jaarverslagen, Spanningsindicator "
    "figures, shortage occupations, and the UWV figures the SER advice cites (confidence cited_only). Every snapshot "
    "under data/snapshots/uwv/ with an observation reader.",
)

raw_uwv__spanningsindicator_klassen = raw_reference_asset(
    "uwv",
    "raw_uwv__spanningsindicator_klassen",
    "Class bounds of the UWV Spanningsindicator (zeer ruim .. zeer krap): vacancies per person with a WW benefit of at "
    "most six months. Reference data, not figures: lower bounds exclusive, upper bounds inclusive, empty = open.",
)

assets = [raw_uwv__observations, raw_uwv__spanningsindicator_klassen]
