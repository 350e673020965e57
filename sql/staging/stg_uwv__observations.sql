-- description: UWV figures (TWV/GVVA, Spanningsindicator, shortage occupations), ready for the marts (cleaned in stg_published__observations).
SELECT * FROM stg_published__observations WHERE source_id = 'uwv'
