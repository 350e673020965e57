"""Dagster assets of the CBS source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_cbs__observations = raw_observations_asset(
    "cbs",
    "CBS StatLine figures as delivered, one row per figure: every snapshot under data/snapshots/cbs/ "
    "(transcribed table pages and dashboard texts), read with the reader its origin sidecar names.",
)

assets = [raw_cbs__observations]
