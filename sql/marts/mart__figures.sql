-- The current-figure rule (written once, here; documented once, in docs/sources.md):
-- figures of one concept (raw_monitor__indicators.concept_id: ids of different publishers that measure the same
-- quantity), breakdown and period compete; the first in this order is current:
--   1. a figure an acknowledged revision (raw_monitor__revisions) names as current; one it names as superseded is last;
--   2. higher confidence: primary > secondary > cited_only;
--   3. a dated figure before an undated one (vintage_precision 'undated' never beats a date);
--   4. the newest vintage (typed date; at the same date the more precise one: day > month > year);
--   5. the concept's figure in its own id before the same figure in another id; then snapshot and row (deterministic).
WITH obs AS (
    SELECT
        o.*,
        monitor_vintage_date(o.vintage, o.published) AS vintage_date,
        monitor_vintage_precision(o.vintage, o.published) AS vintage_precision,
        coalesce(i.concept_id, o.indicator_id) AS concept_id,
        coalesce(i.concept_unit, o.unit) AS concept_unit,
        o.value * coalesce(i.concept_unit_factor, 1) AS concept_value,
        CASE o.confidence WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 WHEN 'cited_only' THEN 3 ELSE 4 END AS confidence_rank
    FROM mart__observations o
    LEFT JOIN raw_monitor__indicators i ON i.indicator_id = o.indicator_id
),
entries AS (
    -- acknowledged revisions whose two figures are both held as named (a stale entry decides nothing; the contract
    -- of mart__revisions_acknowledged fails the build on it)
    SELECT r.* FROM raw_monitor__revisions r
    WHERE EXISTS (SELECT 1 FROM mart__observations m WHERE m.indicator_id = r.indicator_id AND m.breakdown = r.breakdown
                  AND m.period_code = r.period_code AND m.snapshot_id = r.superseded_snapshot_id AND m.value = r.superseded_value)
      AND EXISTS (SELECT 1 FROM mart__observations m WHERE m.indicator_id = r.indicator_id AND m.breakdown = r.breakdown
                  AND m.period_code = r.period_code AND m.snapshot_id = r.current_snapshot_id AND m.value = r.current_value)
),
acknowledged AS (
    -- every figure an acknowledged revision names: +1 the current one, -1 the superseded one
    SELECT indicator_id, breakdown, period_code, current_snapshot_id AS snapshot_id, current_value AS value,
           1 AS verdict, kind, note, register_row FROM entries
    UNION ALL
    SELECT indicator_id, breakdown, period_code, superseded_snapshot_id, superseded_value,
           -1, kind, note, register_row FROM entries
),
judged AS (
    SELECT obs.*, coalesce(a.verdict, 0) AS verdict, a.kind AS revision_kind, a.note AS revision_note,
           a.register_row AS revision_row
    FROM obs
    LEFT JOIN acknowledged a ON a.indicator_id = obs.indicator_id AND a.breakdown = obs.breakdown
     AND a.period_code = obs.period_code AND a.snapshot_id = obs.snapshot_id AND a.value = obs.value
),
ranked AS (
    SELECT
        j.*,
        row_number() OVER w AS rank_in_concept,
        count(*) OVER (PARTITION BY j.concept_id, j.breakdown, j.period_code) AS competitors,
        -- the runner-up, to say why the current figure beat it
        lead(j.verdict) OVER w AS next_verdict,
        lead(j.confidence) OVER w AS next_confidence,
        lead(j.confidence_rank) OVER w AS next_confidence_rank,
        lead(j.vintage_precision) OVER w AS next_vintage_precision,
        lead(j.vintage_date) OVER w AS next_vintage_date
    FROM judged j
    WINDOW w AS (
        PARTITION BY j.concept_id, j.breakdown, j.period_code
        ORDER BY j.verdict DESC, j.confidence_rank, j.vintage_precision = 'undated', j.vintage_date DESC NULLS LAST,
                 CASE j.vintage_precision WHEN 'day' THEN 1 WHEN 'month' THEN 2 WHEN 'year' THEN 3 ELSE 4 END,
                 j.indicator_id <> j.concept_id, j.snapshot_id, j.source_row
    )
)
SELECT
    r.indicator_id,
    r.concept_id,
    r.measure_label,
    r.unit,
    r.concept_unit,
    r.concept_value,
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
    r.vintage_date AS vintage,
    r.vintage_precision,
    r.vintage AS vintage_stated,
    r.rank_in_concept = 1 AS is_current,
    CASE WHEN r.rank_in_concept > 1 THEN NULL
         WHEN r.verdict = 1 THEN 'acknowledged_revision: ' || replace(r.revision_kind, '_', ' ')
              || ' acknowledged in data_contracts/registers/revisions.yaml (entry ' || r.revision_row || '): ' || r.revision_note
         WHEN r.competitors = 1 THEN 'only_figure: the only figure of this concept, breakdown and period.'
         WHEN r.next_verdict = -1 AND r.next_confidence_rank = r.confidence_rank
              THEN 'acknowledged_revision: the other figure is superseded (' || replace(r.revision_kind, '_', ' ')
                   || ', data_contracts/registers/revisions.yaml).'
         WHEN r.next_confidence_rank > r.confidence_rank
              THEN 'higher_confidence: ' || r.confidence || ' beats ' || r.next_confidence || CASE r.next_confidence
                   WHEN 'cited_only' THEN ' (a figure from a source document beats one only printed in the advice or the letters).'
                   ELSE ' (the figure as its producer published it beats a document quoting it).' END
         WHEN r.vintage_precision <> 'undated' AND r.next_vintage_precision = 'undated'
              THEN 'dated_beats_undated: the other ' || r.confidence || ' figures carry no date.'
         WHEN r.next_vintage_date < r.vintage_date
              THEN 'newest_vintage: the newest dated vintage (' || strftime(r.vintage_date, '%Y-%m-%d') || ', ' || r.vintage_precision
                   || ') among ' || r.competitors || ' ' || r.confidence || ' figures.'
         ELSE 'tie: same confidence and vintage as another figure; the first by id, snapshot and row (check sources_agree_on_the_current_figure).'
    END AS current_because,
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
    r.from_snapshot_document,
    -- The snapshot's own citation when the reader says the row comes from the document the snapshot is; otherwise
    -- (a file of figures from many documents) a citation composed from the row's own origin fields.
    CASE WHEN r.from_snapshot_document THEN s.citation
         ELSE concat_ws('. ', r.publisher || ' (' || CASE WHEN r.vintage_precision = 'undated' AND NOT regexp_matches(r.published, '^[0-9]{4}')
                                                          THEN 'z.d.' ELSE r.published END || ')',
                        concat_ws(', ', r.document_title, r.locator), r.url)
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
