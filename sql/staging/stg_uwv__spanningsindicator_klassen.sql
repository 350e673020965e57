-- description: Class bounds of the UWV Spanningsindicator in order from zeer ruim to zeer krap, with the SQL condition each class stands for (value > ondergrens_exclusief AND value <= bovengrens_inclusief; a NULL bound is open), to classify a spanningsindicator value.
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
