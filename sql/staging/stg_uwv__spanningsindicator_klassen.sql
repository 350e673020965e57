SELECT
    CAST(row_number() OVER (ORDER BY coalesce(ondergrens_exclusief, -1)) AS INTEGER) AS klasse_volgorde,
    typering,
    ondergrens_exclusief,
    bovengrens_inclusief,
    snapshot_id,
    snapshot_sha256,
    source_row,
    publisher,
    document_title,
    url,
    published,
    how_obtained,
    confidence
FROM raw_uwv__spanningsindicator_klassen
