-- description: A period code as words in a language ('nl'/'en'): 2024JJ00 -> 2024; 2024KW03 -> '3e kwartaal 2024' / 'Q3 2024'; 2024MM01 -> 'januari 2024' / 'January 2024'; onbekend -> 'geen periode genoemd' / 'no period given'; other codes (spans such as 2019-2023) as they are.
CREATE OR REPLACE MACRO monitor_period_text(code, lang) AS
    CASE WHEN code IS NULL THEN NULL
         WHEN code = 'onbekend' THEN CASE WHEN lang = 'nl' THEN 'geen periode genoemd' ELSE 'no period given' END
         WHEN regexp_matches(code, '^[0-9]{4}JJ00$') THEN substr(code, 1, 4)
         WHEN regexp_matches(code, '^[0-9]{4}KW0[1-4]$') THEN
              CASE WHEN lang = 'nl' THEN substr(code, 8, 1) || 'e kwartaal ' || substr(code, 1, 4)
                   ELSE 'Q' || substr(code, 8, 1) || ' ' || substr(code, 1, 4) END
         WHEN regexp_matches(code, '^[0-9]{4}MM[0-1][0-9]$') THEN
              (CASE WHEN lang = 'nl'
                    THEN ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december']
                    ELSE ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
               END)[CAST(substr(code, 7, 2) AS INTEGER)] || ' ' || substr(code, 1, 4)
         ELSE code
    END
