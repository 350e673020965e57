-- description: How precisely a vintage is known: day, month, year, or undated (no date: the page prints none, 'ongedateerd'); the companion of monitor_vintage_date.
CREATE OR REPLACE MACRO monitor_vintage_precision(vintage, published) AS
    CASE WHEN lower(trim(published)) LIKE 'ongedateerd%' THEN 'undated'
         WHEN regexp_matches(trim(vintage), '^[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN 'day'
         WHEN regexp_matches(trim(vintage), '^[0-9]{4}-[0-9]{2}') THEN 'month'
         WHEN regexp_matches(trim(vintage), '^[0-9]{4}') THEN 'year'
         ELSE 'undated'
    END
