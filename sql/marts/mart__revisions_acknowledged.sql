SELECT
    r.indicator_id,
    r.breakdown,
    r.period_code,
    c.period_label,
    r.kind,
    r.superseded_value,
    s.vintage AS superseded_vintage,
    s.vintage_precision AS superseded_vintage_precision,
    s.citation AS superseded_citation,
    r.superseded_snapshot_id,
    s.source_row AS superseded_source_row,
    r.current_value,
    c.vintage AS current_vintage,
    c.vintage_precision AS current_vintage_precision,
    c.citation AS current_citation,
    r.current_snapshot_id,
    c.source_row AS current_source_row,
    c.unit,
    c.is_current AS current_is_used,
    r.note,
    r.evidence,
    r.register_row
FROM raw_monitor__revisions r
LEFT JOIN mart__figures c ON c.indicator_id = r.indicator_id AND c.breakdown = r.breakdown AND c.period_code = r.period_code
 AND c.snapshot_id = r.current_snapshot_id AND c.value = r.current_value
LEFT JOIN mart__figures s ON s.indicator_id = r.indicator_id AND s.breakdown = r.breakdown AND s.period_code = r.period_code
 AND s.snapshot_id = r.superseded_snapshot_id AND s.value = r.superseded_value
ORDER BY r.indicator_id, r.breakdown, r.period_code
