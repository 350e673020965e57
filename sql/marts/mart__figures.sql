-- materialized: view
-- published: table
-- Every figure in the wide shape analysts query, composed when it is read: the observation (mart__observations),
-- its concept (raw_monitor__indicators), its typed vintage (sql/macros/), whether it is current and why
-- (mart__current_figure_keys: the current-figure rule) and its snapshot's citation and licence
-- (raw_snapshots__origins). What is per indicator or per snapshot is stored once, there, not on every row.
SELECT
    o.indicator_id,
    coalesce(i.concept_id, o.indicator_id) AS concept_id,
    o.measure_label,
    o.unit,
    coalesce(i.concept_unit, o.unit) AS concept_unit,
    o.value * coalesce(i.concept_unit_factor, 1) AS concept_value,
    o.breakdown,
    o.dimension_labels,
    o.period_code,
    o.period_type,
    o.period_start,
    o.period_end,
    o.period_label,
    o.value,
    o.value_qualifier,
    o.value_lower,
    o.value_upper,
    o.decimals,
    o.status,
    monitor_vintage_date(o.vintage, o.published) AS vintage,
    monitor_vintage_precision(o.vintage, o.published) AS vintage_precision,
    o.vintage AS vintage_stated,
    c.source_id IS NOT NULL AS is_current,
    c.current_because,
    o.source_id,
    o.dataset_id,
    o.publisher,
    o.document_title,
    o.url,
    o.locator,
    o.published,
    o.quote,
    o.how_obtained,
    o.confidence,
    o.from_snapshot_document,
    -- The snapshot's own citation when the reader says the row comes from the document the snapshot is; otherwise
    -- (a file of figures from many documents) a citation composed from the row's own origin fields.
    CASE WHEN o.from_snapshot_document THEN s.citation
         ELSE concat_ws('. ', o.publisher || ' (' || CASE WHEN monitor_vintage_precision(o.vintage, o.published) = 'undated'
                                                               AND NOT regexp_matches(o.published, '^[0-9]{4}')
                                                          THEN 'z.d.' ELSE o.published END || ')',
                        concat_ws(', ', o.document_title, o.locator), o.url)
    END AS citation,
    s.licence,
    s.retrieved,
    o.snapshot_id,
    o.snapshot_sha256,
    o.source_row,
    o.measure,
    o.dimensions
FROM mart__observations o
LEFT JOIN raw_monitor__indicators i ON i.indicator_id = o.indicator_id
LEFT JOIN mart__current_figure_keys c
  ON c.source_id = o.source_id AND c.dataset_id = o.dataset_id AND c.indicator_id = o.indicator_id
 AND c.breakdown = o.breakdown AND c.period_code = o.period_code AND c.vintage = o.vintage AND c.url = o.url
LEFT JOIN raw_snapshots__origins s ON s.snapshot_id = o.snapshot_id AND s.sha256 = o.snapshot_sha256
