WITH figures AS (
    SELECT dataset_id, indicator_id, measure_label, breakdown, period_code, period_start, vintage, value, status, unit,
           confidence, snapshot_id, source_row
    FROM stg_cbs__observations
),
paired AS (
    SELECT
        *,
        lag(vintage) OVER w AS previous_vintage,
        lag(value) OVER w AS previous_value,
        lag(status) OVER w AS previous_status,
        lag(snapshot_id) OVER w AS previous_snapshot_id,
        lag(source_row) OVER w AS previous_source_row
    FROM figures
    WINDOW w AS (PARTITION BY dataset_id, indicator_id, breakdown, period_code ORDER BY vintage)
)
SELECT
    dataset_id,
    indicator_id,
    measure_label,
    breakdown,
    period_code,
    period_start,
    previous_vintage,
    vintage,
    previous_value,
    value,
    value - previous_value AS change,
    CASE WHEN previous_value <> 0 THEN round(100 * (value - previous_value) / abs(previous_value), 2) END AS change_pct,
    previous_status,
    status,
    unit,
    value IS DISTINCT FROM previous_value OR status IS DISTINCT FROM previous_status AS changed,
    CASE
        WHEN previous_value IS NULL AND value IS NOT NULL THEN 'filled_in'
        WHEN previous_value IS NOT NULL AND value IS NULL THEN 'withdrawn'
        WHEN value <> previous_value THEN 'value_revised'
        WHEN status IS DISTINCT FROM previous_status THEN 'status_changed'
        ELSE 'unchanged'
    END AS revision_kind,
    confidence,
    previous_snapshot_id,
    previous_source_row,
    snapshot_id,
    source_row
FROM paired
WHERE previous_vintage IS NOT NULL
ORDER BY dataset_id, indicator_id, breakdown, period_code, vintage
