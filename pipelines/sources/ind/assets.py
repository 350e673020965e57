"""Dagster assets of the IND source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_ind__observations = raw_observations_asset(
    "ind",
    "IND figures as delivered, one row per figure: Kennis en Talent and regular labour-migration applications, "
    "decisions and grant rates, use of the kennismigrantenregeling, erkend referenten; tertial figures reported by "
    "others (secondary) and the 2024 figures the SER advice cites (cited_only).",
)

assets = [raw_ind__observations]
