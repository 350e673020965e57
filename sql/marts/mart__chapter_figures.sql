SELECT
    c.chapter,
    c.series,
    c.position,
    coalesce(c.chart, true) AS in_chart,
    c.label_nl,
    c.label_en,
    c.counts,
    c.counts_nl,
    c.counts_en,
    f.indicator_id,
    f.concept_id,
    f.period_code,
    f.period_type,
    f.period_start,
    CASE WHEN f.period_type IN ('year', 'quarter', 'month') THEN CAST(year(f.period_start) AS INTEGER) END AS year,
    monitor_period_text(f.period_code, 'nl') AS period_nl,
    monitor_period_text(f.period_code, 'en') AS period_en,
    f.concept_value AS value,
    f.value_lower * coalesce(i.concept_unit_factor, 1) AS value_lower,
    f.value_upper * coalesce(i.concept_unit_factor, 1) AS value_upper,
    f.concept_unit AS unit,
    f.concept_unit LIKE 'procent%' AS is_share,
    f.value_qualifier,
    CASE WHEN f.confidence = 'cited_only' THEN 'cited_only'
         WHEN c.counts IS NOT NULL THEN 'estimate'
         WHEN f.status IN ('provisional', 'definitive', 'projection') THEN f.status
         ELSE 'published' END AS status,
    CASE WHEN f.confidence = 'cited_only' THEN 'alleen geciteerd'
         WHEN c.counts IS NOT NULL THEN 'schatting'
         WHEN f.status = 'provisional' THEN 'voorlopig'
         WHEN f.status = 'definitive' THEN 'definitief'
         WHEN f.status = 'projection' THEN 'projectie'
         ELSE 'zoals gepubliceerd' END AS status_nl,
    CASE WHEN f.confidence = 'cited_only' THEN 'cited only'
         WHEN c.counts IS NOT NULL THEN 'estimate'
         WHEN f.status IN ('provisional', 'definitive', 'projection') THEN f.status
         ELSE 'as published' END AS status_en,
    f.confidence,
    f.publisher,
    f.document_title,
    f.citation,
    f.url,
    coalesce(f.licence, 'see source') AS licence,
    f.vintage,
    f.snapshot_id,
    f.source_row
FROM raw_monitor__chapter_figures c
JOIN raw_monitor__indicators ci ON ci.indicator_id = c.indicator_id
JOIN mart__figures f ON f.concept_id = ci.concept_id AND f.breakdown = c.breakdown AND f.is_current
LEFT JOIN raw_monitor__indicators i ON i.indicator_id = f.indicator_id
WHERE f.confidence <> 'cited_only' OR coalesce(c.include_cited, false)
ORDER BY c.chapter, c.position, f.period_start NULLS FIRST, f.period_code
