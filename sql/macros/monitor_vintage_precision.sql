-- description: How precisely a vintage is known: day, month, year, or undated (no date: the page prints none, 'ongedateerd'); the companion of monitor_vintage_date.
CREATE OR REPLACE MACRO monitor_vintage_precision(vintage, published) AS
    CASE WHEN lower(trim(published)) LIKE 'ongedateerd%' THEN 'undated'
         ELSE CASE length(regexp_extract(trim(vintage), '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?'))
                  WHEN 10 THEN 'day' WHEN 7 THEN 'month' WHEN 4 THEN 'year' ELSE 'undated'
              END
    END
