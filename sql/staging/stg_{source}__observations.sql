-- materialized: view
-- One staging model per observation source (the file name holds {source}: pipelines/transform/sql_models.py expands
-- it for every folder under pipelines/sources/ that has no staging file of its own). The cleaning itself is
-- written once, in sql/macros/: statuses in the monitor's vocabulary, qualifiers in lower case with straight
-- apostrophes, empty text as NULL, StatLine keys without their padding. A view: it renames and cleans, so it stores
-- no second copy of the raw rows.
SELECT * REPLACE (
    monitor_status(status) AS status,
    monitor_qualifier(value_qualifier) AS value_qualifier,
    monitor_text(locator) AS locator,
    monitor_text(quote) AS quote,
    trim(measure) AS measure,
    trim(breakdown) AS breakdown
)
FROM raw_{source}__observations
