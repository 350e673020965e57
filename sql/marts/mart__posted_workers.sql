-- description: Posted workers notified in the WagwEU meldloket, per year and indicator (national totals, current figures), each with the document it was published in, the sentence it was read from and how to cite it.
SELECT *
FROM mart__annual_figures
WHERE source_id = 'wagweu'
ORDER BY year, indicator_id
