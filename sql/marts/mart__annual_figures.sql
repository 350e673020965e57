-- materialized: view
SELECT
    CAST(year(period_start) AS INTEGER) AS year,
    indicator_id,
    measure_label,
    value,
    value_qualifier,
    unit,
    status,
    vintage,
    vintage_precision,
    concept_id,
    current_because,
    source_id,
    dataset_id,
    publisher,
    document_title,
    url,
    locator,
    published,
    quote,
    confidence,
    citation,
    licence,
    snapshot_id,
    source_row
FROM mart__figures_current
WHERE period_type = 'year' AND breakdown = ''
