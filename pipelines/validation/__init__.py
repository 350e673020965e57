"""Data contracts (ODCS v3.1 YAML in data_contracts/) compiled into Great Expectations suites and DuckDB
SQL rules, run as blocking Dagster asset checks."""
