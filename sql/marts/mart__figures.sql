-- description: The central mart for analysts: every figure from every source and every vintage, one row per indicator, breakdown, period, vintage and snapshot, with value, unit, status, its origin (publisher, document, URL, quote, citation, licence) and is_current marking the figure the monitor uses.
WITH ranked AS (
    SELECT
        o.*,
        -- The current figure of an indicator, breakdown and period: the newest vintage among figures from the
        -- producer or a page reporting it; figures held only as a citation (confidence cited_only) count only
        -- when nothing better exists. Ties: primary before secondary, then snapshot and row (deterministic).
        row_number() OVER (
            PARTITION BY o.indicator_id, o.breakdown, o.period_code
            ORDER BY o.confidence = 'cited_only', o.vintage DESC, o.confidence = 'secondary', o.snapshot_id, o.source_row
        ) = 1 AS is_current
    FROM mart__observations o
)
SELECT
    r.indicator_id,
    r.measure_label,
    r.unit,
    r.breakdown,
    r.dimension_labels,
    r.period_code,
    r.period_type,
    r.period_start,
    r.period_end,
    r.period_label,
    r.value,
    r.value_qualifier,
    r.value_lower,
    r.value_upper,
    r.decimals,
    r.status,
    r.vintage,
    r.is_current,
    r.source_id,
    r.dataset_id,
    r.publisher,
    r.document_title,
    r.url,
    r.locator,
    r.published,
    r.quote,
    r.how_obtained,
    r.confidence,
    -- The snapshot's own citation when the row comes from the document the snapshot is; otherwise (a register
    -- of figures from many documents) a citation composed from the row's own origin fields.
    CASE WHEN r.url = s.url AND r.document_title = s.title THEN s.citation
         ELSE concat_ws('. ', r.publisher || ' (' || r.published || ')', concat_ws(', ', r.document_title, r.locator), r.url)
    END AS citation,
    s.licence,
    s.retrieved,
    r.snapshot_id,
    r.snapshot_sha256,
    r.source_row,
    r.measure,
    r.dimensions
FROM ranked r
LEFT JOIN raw_snapshots__origins s ON s.snapshot_id = r.snapshot_id AND s.sha256 = r.snapshot_sha256
