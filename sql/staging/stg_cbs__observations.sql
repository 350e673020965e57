-- description: CBS figures with statuses in the monitor's vocabulary (definitive, provisional, missing, secret, derived, published) and StatLine keys stripped of their padding.
SELECT * REPLACE (
    monitor_status(status) AS status,
    trim(measure) AS measure,
    trim(breakdown) AS breakdown
)
FROM raw_cbs__observations
