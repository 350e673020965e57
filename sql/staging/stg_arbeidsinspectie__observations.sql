-- description: Nederlandse Arbeidsinspectie figures (inspections, accidents, shutdowns and warnings), ready for the marts: statuses in the monitor's vocabulary (published, projection, provisional, definitive, missing, secret, derived), qualifiers in lower case with straight apostrophes, empty text as NULL. The same cleaning as the other non-StatLine sources (staging reads only its own source's raw table).
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
FROM raw_arbeidsinspectie__observations
