-- description: WagwEU meldloket figures (posted workers) from letters to parliament, qualifiers in lower case.
SELECT * REPLACE (lower(trim(value_qualifier)) AS value_qualifier)
FROM raw_wagweu__observations
