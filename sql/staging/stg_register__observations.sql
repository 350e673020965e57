-- description: Published estimates and study figures (the register), ready for the marts (cleaned in stg_published__observations).
SELECT * FROM stg_published__observations WHERE source_id = 'register'
