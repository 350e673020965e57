-- description: The last day a typed vintage can mean (the day; the last of its month; 31 December of its year); NULL when undated. With monitor_vintage_date it bounds when a figure was published.
CREATE OR REPLACE MACRO monitor_vintage_end(vintage_date, vintage_precision) AS
    CASE vintage_precision WHEN 'day' THEN vintage_date
                           WHEN 'month' THEN last_day(vintage_date)
                           WHEN 'year' THEN CAST(date_trunc('year', vintage_date) + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
    END
