-- description: Posted workers notified in the WagwEU meldloket, per year and indicator, each figure with the letter it was published in and the sentence it was read from.
SELECT
    CAST(year(period_start) AS INTEGER) AS year,
    indicator_id,
    measure_label,
    value,
    value_qualifier,
    unit,
    publisher,
    document_title,
    url,
    published,
    quote,
    confidence,
    snapshot_id,
    source_row
FROM stg_wagweu__observations
WHERE period_type = 'year'
    -- letters to parliament only (datasets kamerstuk_<dossier>_<nr>), national totals only: the other WagwEU
    -- datasets (news items, SEO's breakdowns, figures cited in the SER advice) are in stg_wagweu__observations
    AND starts_with(dataset_id, 'kamerstuk_')
    AND breakdown = ''
ORDER BY year, indicator_id
