"""One folder per source. Each holds its readers and its Dagster assets; shared readers live in ``common``."""
