"""The SQL layer: every file in sql/ becomes a Dagster asset; dependencies are read from the SQL itself."""
