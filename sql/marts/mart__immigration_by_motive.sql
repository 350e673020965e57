-- materialized: view
SELECT
    l.year,
    l.origin,
    l.origin AS origin_nl,
    CASE l.origin WHEN 'niet-EU/EFTA' THEN 'non-EU/EFTA' ELSE l.origin END AS origin_en,
    l.motive,
    CASE l.motive WHEN 'arbeid' THEN 'arbeid' WHEN 'gezin' THEN 'gezin' WHEN 'studie' THEN 'studie'
                  WHEN 'overig' THEN 'overig' WHEN 'totaal' THEN 'alle motieven' ELSE l.motive END AS motive_nl,
    CASE l.motive WHEN 'arbeid' THEN 'work' WHEN 'gezin' THEN 'family' WHEN 'studie' THEN 'study'
                  WHEN 'overig' THEN 'other' WHEN 'totaal' THEN 'all motives' ELSE l.motive END AS motive_en,
    l.definition AS definition_nl,
    CASE WHEN l.origin = 'EU/EFTA' THEN 'derived purpose (CBS, from the first activity after arrival)'
         ELSE 'residence motive (IND), staying at least one year' END AS definition_en,
    l.persons,
    l.status,
    l.dataset_id,
    s.producer || ', ' || l.dataset_id AS source,
    l.citation,
    coalesce(s.licence, 'see source') AS licence,
    s.vintage,
    l.snapshot_id,
    l.source_row
FROM mart__labour_immigration l
LEFT JOIN raw_snapshots__origins s ON s.snapshot_id = l.snapshot_id
ORDER BY l.year, l.origin, l.motive
