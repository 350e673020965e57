-- description: Immigration by motive and origin per year, in persons: non-EU/EFTA immigrants by residence motive (CBS 84809NED, those staying at least one year) and EU/EFTA immigrants by the purpose CBS derives from their first activity (CBS news 2020/30). The two definitions differ: compare within one origin.
-- materialized: view
WITH non_eu AS (
    SELECT
        CAST(year(period_start) AS INTEGER) AS year,
        'niet-EU/EFTA' AS origin,
        CASE json_extract_string(dimension_labels, '$.Migratiemotief')
            WHEN 'Totaal' THEN 'totaal'
            WHEN 'Arbeid: totaal' THEN 'arbeid'
            ELSE lower(json_extract_string(dimension_labels, '$.Migratiemotief'))
        END AS motive,
        'verblijfsmotief (IND), verblijfsduur ten minste 1 jaar' AS definition,
        value AS persons,
        value,
        unit,
        status,
        dataset_id,
        citation,
        url,
        snapshot_id,
        source_row
    FROM mart__figures_current
    WHERE dataset_id = '84809NED'
      AND indicator_id = 'immigranten_niet_eu_efta'
      AND period_type = 'year'
      AND json_extract_string(dimension_labels, '$.SociaaleconomischeCategorie') = 'Totaal'
      AND json_extract_string(dimension_labels, '$.Geslacht') = 'Totaal mannen en vrouwen'
      AND json_extract_string(dimension_labels, '$.Leeftijd') = 'Totaal'
      AND json_extract_string(dimension_labels, '$.Nationaliteit') = 'Totaal'
      AND json_extract_string(dimension_labels, '$.Verblijfsduur') = '1 jaar'
),
eu AS (
    SELECT
        CAST(year(period_start) AS INTEGER) AS year,
        'EU/EFTA' AS origin,
        replace(indicator_id, 'immigranten_eu_efta_afgeleid_doel_', '') AS motive,
        'afgeleid migratiedoel (CBS, uit de eerste activiteit na vestiging)' AS definition,
        CASE unit WHEN 'x 1 000' THEN round(value * 1000) ELSE value END AS persons,
        value,
        unit,
        status,
        dataset_id,
        citation,
        url,
        snapshot_id,
        source_row
    FROM mart__figures_current
    WHERE indicator_id LIKE 'immigranten_eu_efta_afgeleid_doel_%'
      AND period_type = 'year'
      AND breakdown = ''
)
SELECT * FROM non_eu
UNION ALL BY NAME
SELECT * FROM eu
ORDER BY year, origin, motive
