SELECT * REPLACE (
    monitor_status(status) AS status,
    trim(measure) AS measure,
    trim(breakdown) AS breakdown
)
FROM raw_cbs__observations
