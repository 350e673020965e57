-- description: A value qualifier as printed ('Ruim', 'zo’n'), in lower case with straight apostrophes; empty as NULL.
CREATE OR REPLACE MACRO monitor_qualifier(qualifier) AS nullif(replace(lower(trim(qualifier)), '’', ''''), '')
