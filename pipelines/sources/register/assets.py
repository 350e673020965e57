"""Dagster assets of the published-estimates register."""

from pipelines.sources.common.assets import raw_observations_asset

raw_register__observations = raw_observations_asset(
    "register",
    "Published estimates and study figures as delivered, one row per figure with its document, URL, quote and "
    "confidence: stock of international workers by estimator (breakdown schatting), working conditions, scenarios "
    "(status projection), and the figures the SER advice and Kamerstuk 29 544 nr. 1260 cite (cited_only).",
)

assets = [raw_register__observations]
