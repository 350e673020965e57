-- description: Enforcement and safety figures of the Nederlandse Arbeidsinspectie (formerly Inspectie SZW) per year: inspections, shutdowns and warnings, complaint reports, accident reports and investigations; current national figures with the document and sentence each was read from.
-- materialized: view
SELECT *
FROM mart__annual_figures
WHERE source_id = 'arbeidsinspectie'
ORDER BY year, indicator_id
