-- description: IND figures (kennis en talent, erkend referenten), ready for the marts (cleaned in stg_published__observations).
SELECT * FROM stg_published__observations WHERE source_id = 'ind'
