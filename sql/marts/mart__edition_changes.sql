-- What changed from each edition to the next (editions in cut-off order, data_contracts/registers/editions.yaml):
-- every current figure of a concept, breakdown and period that one edition holds and the other does not, or holds
-- with another value. A figure the new edition holds for a period the previous edition had no figure of at all
-- (for that concept) is a new period; otherwise it is added. Equal values with a newer vintage are no change.
WITH editions AS (
    SELECT edition, cutoff,
           lag(edition) OVER (ORDER BY cutoff, edition) AS previous_edition,
           row_number() OVER (ORDER BY cutoff DESC, edition DESC) = 1 AS is_newest
    FROM (SELECT DISTINCT edition, cutoff FROM mart__edition_figures)
),
pairs AS (
    SELECT * FROM editions WHERE previous_edition IS NOT NULL
),
compared AS (
    SELECT p.edition, p.previous_edition, p.is_newest,
           coalesce(n.concept_id, o.concept_id) AS concept_id,
           coalesce(n.indicator_id, o.indicator_id) AS indicator_id,
           coalesce(n.breakdown, o.breakdown) AS breakdown,
           coalesce(n.period_code, o.period_code) AS period_code,
           coalesce(n.period_label, o.period_label) AS period_label,
           coalesce(n.unit, o.unit) AS unit,
           o.value AS previous_value, n.value AS value,
           o.vintage AS previous_vintage, n.vintage AS vintage,
           o.snapshot_id AS previous_snapshot_id, n.snapshot_id AS snapshot_id,
           n.concept_id IS NOT NULL AS in_new, o.concept_id IS NOT NULL AS in_previous
    FROM pairs p
    JOIN mart__edition_figures n ON n.edition = p.edition
    LEFT JOIN mart__edition_figures o
      ON o.edition = p.previous_edition AND o.concept_id = n.concept_id AND o.breakdown = n.breakdown
     AND o.period_code = n.period_code
),
-- the figures of the previous edition that the new one no longer holds:
dropped AS (
    SELECT p.edition, p.previous_edition, p.is_newest, o.concept_id, o.indicator_id, o.breakdown, o.period_code,
           o.period_label, o.unit, o.value AS previous_value, CAST(NULL AS DOUBLE) AS value,
           o.vintage AS previous_vintage, CAST(NULL AS DATE) AS vintage, o.snapshot_id AS previous_snapshot_id,
           CAST(NULL AS VARCHAR) AS snapshot_id, false AS in_new, true AS in_previous
    FROM pairs p
    JOIN mart__edition_figures o ON o.edition = p.previous_edition
    WHERE NOT EXISTS (SELECT 1 FROM mart__edition_figures n WHERE n.edition = p.edition AND n.concept_id = o.concept_id
                      AND n.breakdown = o.breakdown AND n.period_code = o.period_code)
),
changes AS (
    SELECT * FROM compared
    UNION ALL
    SELECT * FROM dropped
)
SELECT
    c.edition,
    c.previous_edition,
    CASE WHEN NOT c.in_new THEN 'removed'
         WHEN NOT c.in_previous AND NOT EXISTS (SELECT 1 FROM mart__edition_figures o WHERE o.edition = c.previous_edition
                                                 AND o.concept_id = c.concept_id AND o.period_code = c.period_code)
              THEN 'new_period'
         WHEN NOT c.in_previous THEN 'added'
         ELSE 'revised'
    END AS change,
    c.concept_id,
    c.indicator_id,
    c.breakdown,
    c.period_code,
    c.period_label,
    c.unit,
    c.previous_value,
    c.value,
    c.previous_vintage,
    c.vintage,
    c.previous_snapshot_id,
    c.snapshot_id,
    c.is_newest AS in_newest_edition
FROM changes c
WHERE NOT (c.in_new AND c.in_previous AND c.previous_value IS NOT DISTINCT FROM c.value)
ORDER BY c.edition, change, c.concept_id, c.breakdown, c.period_code
