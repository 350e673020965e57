-- description: The current figure of every concept, breakdown and period (the rows of mart__figures with is_current, with current_because): what to query when you want one number per period, not its revisions.
-- materialized: view
SELECT * FROM mart__figures WHERE is_current
