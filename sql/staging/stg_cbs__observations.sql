-- description: CBS figures with statuses in the monitor's vocabulary (definitive, provisional, missing, secret, derived, published) and StatLine keys stripped of their padding.
SELECT * REPLACE (
    CASE lower(trim(status))
        WHEN 'definitief' THEN 'definitive'
        WHEN 'voorlopig' THEN 'provisional'
        WHEN 'nader voorlopig' THEN 'provisional'
        ELSE lower(trim(status))
    END AS status,
    trim(measure) AS measure,
    trim(breakdown) AS breakdown
)
FROM raw_cbs__observations
