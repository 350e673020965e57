WITH reported AS (
    SELECT
        period_code,
        period_start,
        value AS reported,
        unit,
        publisher,
        document_title,
        url,
        published,
        -- typed (a month or year as its first day), compared as a date; NULL for an undated page
        monitor_vintage_date(regexp_extract(published, '^(\d{4}(-\d{2}(-\d{2})?)?)', 1), published) AS published_date,
        confidence,
        quote,
        -- the row's label says 'oude EBB-methode' (until 2026-12 the unit carried it)
        contains(unit, 'oude EBB') OR contains(coalesce(measure_label, ''), 'oude EBB') AS old_ebb_method,
        snapshot_id,
        source_row
    FROM stg_cbs__observations
    WHERE indicator_id = 'vacatures_per_100_werklozen'
),
parts AS (
    SELECT
        url,
        period_code,
        max(value) FILTER (WHERE indicator_id IN ('openstaande_vacatures', 'openstaande_vacatures_seizoengecorrigeerd')) AS vacancies,
        max(value) FILTER (WHERE indicator_id IN ('werkloze_beroepsbevolking', 'werkloze_beroepsbevolking_seizoengecorrigeerd')) AS unemployed
    FROM stg_cbs__observations
    WHERE how_obtained = 'transcription' AND quote IS NOT NULL
    GROUP BY ALL
),
latest AS (
    SELECT period_code, as_of, vacancies_per_100_unemployed FROM mart__labour_market_tension WHERE is_latest
),
known AS (
    SELECT period_code, as_of, vacancies_per_100_unemployed FROM mart__labour_market_tension
)
SELECT
    r.period_code,
    r.period_start,
    r.reported,
    r.unit,
    r.old_ebb_method,
    p.vacancies AS reported_vacancies,
    p.unemployed AS reported_unemployed,
    round(100 * p.vacancies / p.unemployed, 1) AS recomputed_from_reported_parts,
    k.as_of AS recomputed_as_of,
    k.vacancies_per_100_unemployed AS recomputed_at_publication,
    l.as_of AS recomputed_latest_as_of,
    l.vacancies_per_100_unemployed AS recomputed_latest,
    round(l.vacancies_per_100_unemployed - r.reported, 1) AS latest_minus_reported,
    r.publisher,
    r.document_title,
    r.url,
    r.published,
    r.confidence,
    r.quote,
    r.snapshot_id,
    r.source_row
FROM reported r
LEFT JOIN parts p ON p.url = r.url AND p.period_code = r.period_code
ASOF LEFT JOIN known k ON k.period_code = r.period_code AND r.published_date >= k.as_of
LEFT JOIN latest l ON l.period_code = r.period_code
ORDER BY r.period_code, r.published
