"""CBS StatLine: transcribed table pages now; OData captures (v3/v4) land in the same raw table."""
