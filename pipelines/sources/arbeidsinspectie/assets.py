"""Dagster assets of the Arbeidsinspectie source."""

from pipelines.sources.common.assets import raw_observations_asset

raw_arbeidsinspectie__observations = raw_observations_asset(
    "arbeidsinspectie",
    "Nederlandse Arbeidsinspectie figures as delivered, one row per figure: annual-report key figures (inspections, "
    "accident reports and investigations, deaths), figures reported by others (confidence secondary) and the "
    "enforcement figures the SER advice cites (shutdowns, warnings, intervention coverage; confidence cited_only).",
)

assets = [raw_arbeidsinspectie__observations]
