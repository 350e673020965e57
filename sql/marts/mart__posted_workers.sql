SELECT *
FROM mart__annual_figures
WHERE source_id = 'wagweu'
ORDER BY year, indicator_id
