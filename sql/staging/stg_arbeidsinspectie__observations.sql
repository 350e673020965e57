-- description: Nederlandse Arbeidsinspectie figures (inspections, accidents, shutdowns and warnings), ready for the marts (cleaned in stg_published__observations).
SELECT * FROM stg_published__observations WHERE source_id = 'arbeidsinspectie'
