-- description: Figures published outside StatLine (UWV, WagwEU, Arbeidsinspectie, IND, the published-estimates register), cleaned once for all of them: statuses in the monitor's vocabulary (published, projection, provisional, definitive, missing, secret, derived), qualifiers in lower case with straight apostrophes, empty text as NULL. Each source's staging table is its slice of this one; a new source of this kind adds its raw table here.
WITH delivered AS (
    SELECT * FROM raw_uwv__observations
    UNION ALL BY NAME
    SELECT * FROM raw_wagweu__observations
    UNION ALL BY NAME
    SELECT * FROM raw_arbeidsinspectie__observations
    UNION ALL BY NAME
    SELECT * FROM raw_ind__observations
    UNION ALL BY NAME
    SELECT * FROM raw_register__observations
)
SELECT * REPLACE (
    CASE lower(trim(status))
        WHEN 'voorlopig' THEN 'provisional'
        WHEN 'nader voorlopig' THEN 'provisional'
        WHEN 'definitief' THEN 'definitive'
        WHEN 'projectie' THEN 'projection'
        WHEN 'raming' THEN 'projection'
        ELSE lower(trim(status))
    END AS status,
    nullif(replace(lower(trim(value_qualifier)), '’', ''''), '') AS value_qualifier,
    nullif(trim(locator), '') AS locator,
    nullif(trim(quote), '') AS quote
)
FROM delivered
