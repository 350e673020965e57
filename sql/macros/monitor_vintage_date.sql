-- description: A vintage as the source states it (2024-05-15, 2024-05, 2023, 'ongedateerd') as a DATE: the first day it can mean (the day, the 1st of the month, 1 January); NULL for an undated figure (the row's or the document's published date is 'ongedateerd'). Read it with monitor_vintage_precision.
CREATE OR REPLACE MACRO monitor_vintage_date(vintage, published) AS
    CASE WHEN lower(trim(published)) LIKE 'ongedateerd%' THEN NULL
         ELSE CASE length(regexp_extract(trim(vintage), '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?'))
                  WHEN 10 THEN try_cast(substr(trim(vintage), 1, 10) AS DATE)
                  WHEN 7 THEN try_cast(substr(trim(vintage), 1, 7) || '-01' AS DATE)
                  WHEN 4 THEN try_cast(substr(trim(vintage), 1, 4) || '-01-01' AS DATE)
              END
    END
