"""The publication: a Quarto project in reports/, rendered by Quarto when installed and by a small offline
engine otherwise (docs/publication-engine.md), assembled per run and released atomically."""
