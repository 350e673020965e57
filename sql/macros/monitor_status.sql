-- description: A status as the source states it, in the monitor's vocabulary: definitief -> definitive, (nader) voorlopig -> provisional, projectie/raming -> projection; other values (published, derived, missing, secret) in lower case.
CREATE OR REPLACE MACRO monitor_status(status) AS
    CASE lower(trim(status))
        WHEN 'definitief' THEN 'definitive'
        WHEN 'voorlopig' THEN 'provisional'
        WHEN 'nader voorlopig' THEN 'provisional'
        WHEN 'projectie' THEN 'projection'
        WHEN 'raming' THEN 'projection'
        ELSE lower(trim(status))
    END
