-- materialized: view
SELECT * FROM mart__figures WHERE is_current
