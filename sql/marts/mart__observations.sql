-- materialized: view
-- Every observation source in one long table: the SQL below is repeated for each source (its {source}) and the
-- copies joined with UNION ALL BY NAME (pipelines/transform/sql_models.py), so a new source folder arrives here
-- without an edit; the contract's rule every_source_reaches_the_mart checks that each one does. A view: the rows
-- are stored once, in the raw tables.
SELECT * FROM stg_{source}__observations
