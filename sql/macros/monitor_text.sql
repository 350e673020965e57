-- description: Free text trimmed; empty text as NULL.
CREATE OR REPLACE MACRO monitor_text(t) AS nullif(trim(t), '')
