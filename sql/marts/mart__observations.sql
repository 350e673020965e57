-- description: Every figure the monitor holds, from every source, in one long table: one row per indicator, breakdown, period and vintage, with its origin.
SELECT * FROM stg_cbs__observations
UNION ALL BY NAME
SELECT * FROM stg_wagweu__observations
UNION ALL BY NAME
SELECT * FROM stg_uwv__observations
UNION ALL BY NAME
SELECT * FROM stg_arbeidsinspectie__observations
UNION ALL BY NAME
SELECT * FROM stg_ind__observations
UNION ALL BY NAME
SELECT * FROM stg_register__observations
