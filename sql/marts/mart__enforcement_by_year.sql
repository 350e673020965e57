-- materialized: view
SELECT *
FROM mart__annual_figures
WHERE source_id = 'arbeidsinspectie'
ORDER BY year, indicator_id
