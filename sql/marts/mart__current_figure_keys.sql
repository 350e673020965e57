-- The current-figure rule (written once, here; documented once, in docs/sources.md), decided on the few columns it
-- needs: one row per current figure, its observation key (the primary key of mart__observations) and why it is
-- current. mart__figures joins it to the observations (is_current: the figure has a row here), so no wide copy of
-- every figure is stored. Figures of one concept (raw_monitor__indicators.concept_id: ids of different publishers
-- that measure the same quantity), breakdown and period compete; the first in this order is current:
--   1. a figure an acknowledged revision (raw_monitor__revisions) names as current; one it names as superseded is last;
--   2. higher confidence: primary > secondary > cited_only;
--   3. a dated figure before an undated one (vintage_precision 'undated' never beats a date);
--   4. the newest vintage (typed date; at the same date the more precise one: day > month > year);
--   5. the concept's figure in its own id before the same figure in another id; then snapshot and row (deterministic).
WITH obs AS (
    SELECT
        o.source_id, o.dataset_id, o.indicator_id, o.breakdown, o.period_code, o.vintage, o.url,
        o.snapshot_id, o.source_row, o.value, o.confidence,
        monitor_vintage_date(o.vintage, o.published) AS vintage_date,
        monitor_vintage_precision(o.vintage, o.published) AS vintage_precision,
        coalesce(i.concept_id, o.indicator_id) AS concept_id,
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
    r.source_id,
    r.dataset_id,
    r.indicator_id,
    r.breakdown,
    r.period_code,
    r.vintage,
    r.url,
    CASE WHEN r.verdict = 1 THEN 'acknowledged_revision: ' || replace(r.revision_kind, '_', ' ')
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
    END AS current_because
FROM ranked r
WHERE r.rank_in_concept = 1
