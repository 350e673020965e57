-- materialized: view
WITH selected AS (
    SELECT
        *,
        dataset_id = '84809NED' AS non_eu,
        json_extract_string(dimension_labels, '$.Migratiemotief') AS motive_label
    FROM mart__figures_current
    WHERE period_type = 'year'
      AND (
          (dataset_id = '84809NED'
           AND indicator_id = 'immigranten_niet_eu_efta'
           AND json_extract_string(dimension_labels, '$.SociaaleconomischeCategorie') = 'Totaal'
           AND json_extract_string(dimension_labels, '$.Geslacht') = 'Totaal mannen en vrouwen'
           AND json_extract_string(dimension_labels, '$.Leeftijd') = 'Totaal'
           AND json_extract_string(dimension_labels, '$.Nationaliteit') = 'Totaal'
           AND json_extract_string(dimension_labels, '$.Verblijfsduur') = '1 jaar')
          OR (indicator_id LIKE 'immigranten_eu_efta_afgeleid_doel_%' AND breakdown = '')
      )
)
SELECT
    CAST(year(period_start) AS INTEGER) AS year,
    CASE WHEN non_eu THEN 'niet-EU/EFTA' ELSE 'EU/EFTA' END AS origin,
    CASE
        WHEN NOT non_eu THEN replace(indicator_id, 'immigranten_eu_efta_afgeleid_doel_', '')
        WHEN motive_label = 'Arbeid: totaal' THEN 'arbeid'
        ELSE lower(motive_label)
    END AS motive,
    CASE WHEN non_eu THEN 'verblijfsmotief (IND), verblijfsduur ten minste 1 jaar'
         ELSE 'afgeleid migratiedoel (CBS, uit de eerste activiteit na vestiging)' END AS definition,
    CASE unit WHEN 'x 1 000' THEN round(value * 1000) ELSE value END AS persons,
    value,
    unit,
    status,
    dataset_id,
    citation,
    url,
    snapshot_id,
    source_row
FROM selected
ORDER BY year, origin, motive
