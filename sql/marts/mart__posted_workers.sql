-- description: Posted workers notified in the WagwEU meldloket, per year and indicator (national totals, current figures), each with the document it was published in, the sentence it was read from and how to cite it.
SELECT
    CAST(year(period_start) AS INTEGER) AS year,
    indicator_id,
    measure_label,
    value,
    value_qualifier,
    unit,
    status,
    vintage,
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
WHERE source_id = 'wagweu' AND period_type = 'year' AND breakdown = ''
ORDER BY year, indicator_id
