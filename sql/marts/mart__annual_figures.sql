-- description: Current national figures per year from every source, one row per year and indicator, with the document, quote and citation: the shape of the topic-by-year views (mart__posted_workers selects its source from here).
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
