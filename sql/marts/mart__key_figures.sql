-- materialized: view
SELECT
    row_number() OVER (ORDER BY figure_id) AS position,
    figure_id,
    label_nl,
    label_en,
    coalesce(source_value, CASE WHEN source_lower IS NULL THEN cited_value END) AS value,
    coalesce(source_lower, CASE WHEN source_value IS NULL THEN cited_lower END) AS value_lower,
    coalesce(source_upper, CASE WHEN source_value IS NULL THEN cited_upper END) AS value_upper,
    concept_unit LIKE 'procent%' AS is_share,
    CASE WHEN source_figures = 0 AND source_value IS NULL THEN cited_comparison ELSE 'about' END AS comparison,
    coalesce(compare_period_code, cited_period_code) AS period_code,
    monitor_period_text(coalesce(compare_period_code, cited_period_code), 'nl') AS period_nl,
    monitor_period_text(coalesce(compare_period_code, cited_period_code), 'en') AS period_en,
    CASE WHEN source_value IS NULL AND source_lower IS NULL THEN 'cited_only'
         WHEN estimate THEN 'estimate'
         WHEN source_status IN ('provisional', 'definitive', 'projection') THEN source_status
         ELSE 'published' END AS status,
    CASE WHEN source_value IS NULL AND source_lower IS NULL THEN 'alleen geciteerd'
         WHEN estimate THEN 'schatting'
         WHEN source_status = 'provisional' THEN 'voorlopig'
         WHEN source_status = 'definitive' THEN 'definitief'
         WHEN source_status = 'projection' THEN 'projectie'
         ELSE 'zoals gepubliceerd' END AS status_nl,
    CASE WHEN source_value IS NULL AND source_lower IS NULL THEN 'cited only'
         WHEN estimate THEN 'estimate'
         WHEN source_status = 'provisional' THEN 'provisional'
         WHEN source_status = 'definitive' THEN 'definitive'
         WHEN source_status = 'projection' THEN 'projection'
         ELSE 'as published' END AS status_en,
    coalesce(source_publisher, cited_source || ' (geciteerd in ' || cited_in || ')') AS source_nl,
    coalesce(source_publisher, cited_source || ' (cited in ' || cited_in || ')') AS source_en,
    coalesce(source_confidence, 'cited_only') AS confidence,
    source_vintage AS vintage,
    CASE WHEN verdict = 'superseded' THEN latest_period_code END AS newer_period_code,
    CASE WHEN verdict = 'superseded' THEN monitor_period_text(latest_period_code, 'nl') END AS newer_period_nl,
    CASE WHEN verdict = 'superseded' THEN monitor_period_text(latest_period_code, 'en') END AS newer_period_en,
    CASE WHEN verdict = 'superseded' THEN latest_value END AS newer_value,
    verdict,
    verdict_nl,
    verdict_en,
    chapter
FROM mart__headline_checks
WHERE key_figure
ORDER BY figure_id
