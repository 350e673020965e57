-- materialized: view
-- published: table
SELECT * FROM mart__figures WHERE is_current
