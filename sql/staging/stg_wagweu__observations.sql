-- description: WagwEU meldloket figures (posted workers) from letters to parliament, the ministry's news and SEO, ready for the marts (cleaned in stg_published__observations).
SELECT * FROM stg_published__observations WHERE source_id = 'wagweu'
