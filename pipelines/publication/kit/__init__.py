"""Building blocks of ``report_kit`` (the API the report cells use): language, numbers, escaping, tables, charts."""
