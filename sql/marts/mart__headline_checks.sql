WITH headline AS (
    SELECT
        h.*,
        coalesce(h.compare_indicator_id, h.cited_indicator_id) AS key_indicator_id,
        coalesce(h.compare_period_code, h.cited_period_code) AS key_period_code,
        coalesce(h.compare_breakdown, h.cited_breakdown) AS key_breakdown,
        i.concept_id AS key_concept_id,
        i.concept_unit
    FROM raw_monitor__headline_figures h
    LEFT JOIN raw_monitor__indicators i ON i.indicator_id = coalesce(h.compare_indicator_id, h.cited_indicator_id)
),
cited AS (
    -- the row that holds the citation itself (its quote and line)
    SELECT
        h.figure_id, f.quote, f.locator, f.publisher, f.document_title, f.url, f.snapshot_id, f.source_row,
        row_number() OVER (PARTITION BY h.figure_id ORDER BY f.vintage DESC NULLS LAST, f.snapshot_id, f.source_row) AS n
    FROM headline h
    JOIN mart__figures f
      ON f.indicator_id = h.cited_indicator_id AND f.breakdown = h.cited_breakdown
     AND f.period_code = h.cited_period_code AND f.confidence = 'cited_only'
),
figures AS (
    -- every figure of our sources (not a citation), in the unit of its concept, plus CBS's tension recomputed
    -- from its two parts (mart__labour_market_tension), which counts as the producer's own figure
    SELECT
        f.concept_id, f.breakdown, f.period_code, f.period_type, f.period_start,
        f.value * coalesce(i.concept_unit_factor, 1) AS value,
        f.value_lower * coalesce(i.concept_unit_factor, 1) AS value_lower,
        f.value_upper * coalesce(i.concept_unit_factor, 1) AS value_upper,
        f.confidence, f.status, f.vintage, f.publisher, f.document_title, f.url, f.citation, f.snapshot_id, f.source_row,
        f.is_current, false AS recomputed
    FROM mart__figures f
    LEFT JOIN raw_monitor__indicators i ON i.indicator_id = f.indicator_id
    WHERE f.confidence IN ('primary', 'secondary') AND (f.value IS NOT NULL OR f.value_lower IS NOT NULL)
      -- only the concepts a headline figure is compared with (every use below joins on it): the other figures of
      -- mart__figures, which holds every observation, are never read, so the CTE stays small at any table size
      AND f.concept_id IN (SELECT key_concept_id FROM headline)
    UNION ALL
    SELECT
        'vacatures_per_100_werklozen', '', t.period_code, 'quarter', t.period_start,
        t.vacancies_per_100_unemployed, NULL, NULL,
        'primary', t.status, t.as_of,
        'Centraal Bureau voor de Statistiek (CBS); berekening Monitor Arbeidsmigratie',
        'Openstaande vacatures (84545NED) per 100 werklozen (85224NED), seizoengecorrigeerd',
        NULL, NULL, t.vacancies_snapshot_id, NULL,
        t.is_latest, true
    FROM mart__labour_market_tension t
),
candidates AS (
    SELECT
        h.figure_id, f.*,
        CASE
            WHEN h.cited_value IS NULL THEN abs(f.value_lower - h.cited_lower) <= h.cited_rounding / 2 + 1e-9
                                        AND abs(f.value_upper - h.cited_upper) <= h.cited_rounding / 2 + 1e-9
            WHEN f.value IS NULL THEN false
            WHEN h.cited_comparison = 'more_than' THEN f.value >= h.cited_value - h.cited_rounding / 2 - 1e-9
            WHEN h.cited_comparison = 'less_than' THEN f.value <= h.cited_value + h.cited_rounding / 2 + 1e-9
            ELSE abs(f.value - h.cited_value) <= h.cited_rounding / 2 + 1e-9
        END AS matches,
        -- the source figure shown: the producer's own before a page quoting it, then the newest vintage
        row_number() OVER (PARTITION BY h.figure_id
                           ORDER BY f.confidence = 'secondary', f.recomputed, f.vintage DESC NULLS LAST, f.snapshot_id, f.source_row) AS rank
    FROM headline h
    JOIN figures f
      ON h.compare_indicator_id IS NOT NULL AND f.concept_id = h.key_concept_id
     AND f.breakdown = h.key_breakdown AND f.period_code = h.key_period_code
),
held AS (
    SELECT c.*,
           (SELECT count(*) FROM candidates o WHERE o.figure_id = c.figure_id) AS n_figures,
           (SELECT bool_or(o.matches) FROM candidates o WHERE o.figure_id = c.figure_id) AS any_matches
    FROM candidates c WHERE c.rank = 1
),
earlier_match AS (
    -- for a revision: the (older or less direct) figure that did say what the advice prints
    SELECT * FROM (
        SELECT c.*, row_number() OVER (PARTITION BY c.figure_id ORDER BY c.vintage DESC NULLS LAST, c.rank) AS n
        FROM candidates c WHERE c.matches AND c.rank > 1
    ) WHERE n = 1
),
latest AS (
    -- the newest period our sources hold of the same concept and breakdown, after the cited period
    SELECT * FROM (
        SELECT h.figure_id, f.period_code, f.value, f.value_lower, f.value_upper, f.confidence, f.publisher, f.vintage,
               row_number() OVER (PARTITION BY h.figure_id
                                  ORDER BY f.period_start DESC, f.confidence = 'secondary', f.recomputed,
                                           f.vintage DESC NULLS LAST, f.snapshot_id) AS n
        FROM headline h
        JOIN figures f ON f.concept_id = h.key_concept_id AND f.breakdown = h.key_breakdown
        JOIN (SELECT DISTINCT concept_id, breakdown, period_code, period_type, period_start FROM figures) k
          ON k.concept_id = h.key_concept_id AND k.breakdown = h.key_breakdown AND k.period_code = h.key_period_code
        WHERE f.period_type = k.period_type AND f.period_start > k.period_start
        UNION ALL
        -- a cited period no source holds: place it by its code through mart__figures (the citation's row)
        SELECT h.figure_id, f.period_code, f.value, f.value_lower, f.value_upper, f.confidence, f.publisher, f.vintage,
               row_number() OVER (PARTITION BY h.figure_id
                                  ORDER BY f.period_start DESC, f.confidence = 'secondary', f.recomputed,
                                           f.vintage DESC NULLS LAST, f.snapshot_id) AS n
        FROM headline h
        JOIN (SELECT DISTINCT indicator_id, breakdown, period_code, period_type, period_start FROM mart__figures
              WHERE indicator_id IN (SELECT key_indicator_id FROM headline)) k
          ON k.indicator_id = h.key_indicator_id AND k.breakdown = h.key_breakdown AND k.period_code = h.key_period_code
        JOIN figures f ON f.concept_id = h.key_concept_id AND f.breakdown = h.key_breakdown
        WHERE f.period_type = k.period_type AND f.period_start > k.period_start
          AND NOT EXISTS (SELECT 1 FROM figures g WHERE g.concept_id = h.key_concept_id AND g.breakdown = h.key_breakdown
                                                     AND g.period_code = h.key_period_code)
    ) WHERE n = 1
),
judged AS (
    SELECT
        h.*,
        c.quote AS cited_quote, c.locator AS cited_locator, c.publisher AS cited_publisher,
        c.document_title AS cited_document, c.url AS cited_url, c.snapshot_id AS cited_snapshot_id,
        c.source_row AS cited_source_row,
        s.value AS source_value, s.value_lower AS source_lower, s.value_upper AS source_upper,
        s.confidence AS source_confidence, s.recomputed AS source_recomputed, s.status AS source_status,
        s.vintage AS source_vintage, s.publisher AS source_publisher, s.document_title AS source_document,
        s.url AS source_url, s.citation AS source_citation, s.snapshot_id AS source_snapshot_id,
        s.source_row AS source_source_row, coalesce(s.n_figures, 0) AS source_figures, s.matches AS source_matches,
        e.value AS earlier_value, e.publisher AS earlier_publisher, e.vintage AS earlier_vintage,
        l.period_code AS latest_period_code, l.value AS latest_value, l.value_lower AS latest_lower,
        l.value_upper AS latest_upper, l.confidence AS latest_confidence, l.publisher AS latest_publisher,
        l.vintage AS latest_vintage,
        CASE
            WHEN s.figure_id IS NULL THEN 'cited_only'
            WHEN s.matches AND h.states_current AND l.figure_id IS NOT NULL THEN 'superseded'
            WHEN s.matches AND s.confidence = 'primary' THEN 'reproduced'
            WHEN s.matches THEN 'reproduced_secondary'
            WHEN s.any_matches THEN 'revised_since'
            ELSE 'differs'
        END AS verdict
    FROM headline h
    LEFT JOIN cited c ON c.figure_id = h.figure_id AND c.n = 1
    LEFT JOIN held s ON s.figure_id = h.figure_id
    LEFT JOIN earlier_match e ON e.figure_id = h.figure_id
    LEFT JOIN latest l ON l.figure_id = h.figure_id
),
worded AS (
    SELECT
        j.*,
        CASE WHEN j.source_value IS NOT NULL THEN monitor_number_text(j.source_value, 'nl')
             ELSE monitor_number_text(j.source_lower, 'nl') || '–' || monitor_number_text(j.source_upper, 'nl') END
          || CASE WHEN j.concept_unit LIKE 'procent%' THEN '%' ELSE '' END AS source_nl,
        CASE WHEN j.source_value IS NOT NULL THEN monitor_number_text(j.source_value, 'en')
             ELSE monitor_number_text(j.source_lower, 'en') || '–' || monitor_number_text(j.source_upper, 'en') END
          || CASE WHEN j.concept_unit LIKE 'procent%' THEN '%' ELSE '' END AS source_en,
        CASE WHEN j.latest_value IS NOT NULL THEN monitor_number_text(j.latest_value, 'nl')
             ELSE monitor_number_text(j.latest_lower, 'nl') || '–' || monitor_number_text(j.latest_upper, 'nl') END
          || CASE WHEN j.concept_unit LIKE 'procent%' THEN '%' ELSE '' END AS latest_nl,
        CASE WHEN j.latest_value IS NOT NULL THEN monitor_number_text(j.latest_value, 'en')
             ELSE monitor_number_text(j.latest_lower, 'en') || '–' || monitor_number_text(j.latest_upper, 'en') END
          || CASE WHEN j.concept_unit LIKE 'procent%' THEN '%' ELSE '' END AS latest_en,
        monitor_period_text(j.key_period_code, 'nl') AS period_nl,
        monitor_period_text(j.key_period_code, 'en') AS period_en,
        monitor_period_text(j.latest_period_code, 'nl') AS latest_period_nl,
        monitor_period_text(j.latest_period_code, 'en') AS latest_period_en
    FROM judged j
)
SELECT
    figure_id,
    item,
    label_nl,
    label_en,
    cited_text,
    cited_value,
    cited_lower,
    cited_upper,
    cited_rounding,
    cited_comparison,
    cited_period_code,
    CASE seed WHEN '001' THEN 'SER-briefadvies Arbeidsmigratie (2025)' ELSE 'Kamerstuk 29 544, nr. 1260 (13 december 2024)' END AS cited_in,
    seed,
    seed_lines,
    cited_source,
    cited_indicator_id,
    cited_breakdown,
    cited_quote,
    cited_locator,
    cited_snapshot_id,
    cited_source_row,
    cited_quote IS NOT NULL AS cited_held,
    compare_indicator_id,
    compare_period_code,
    compare_breakdown,
    key_concept_id AS concept_id,
    concept_unit,
    source_value,
    source_lower,
    source_upper,
    source_confidence,
    source_recomputed,
    source_status,
    source_vintage,
    source_publisher,
    source_document,
    source_url,
    source_citation,
    source_snapshot_id,
    source_source_row,
    source_figures,
    latest_period_code,
    latest_value,
    latest_lower,
    latest_upper,
    latest_confidence,
    latest_publisher,
    latest_vintage,
    verdict,
    CASE verdict
        WHEN 'reproduced' THEN 'gereproduceerd'
        WHEN 'reproduced_secondary' THEN 'gereproduceerd (secundaire bron)'
        WHEN 'revised_since' THEN 'inmiddels herzien'
        WHEN 'superseded' THEN 'achterhaald (nieuwere periode)'
        WHEN 'differs' THEN 'wijkt af'
        ELSE 'alleen geciteerd'
    END AS verdict_nl,
    CASE verdict
        WHEN 'reproduced' THEN 'reproduced'
        WHEN 'reproduced_secondary' THEN 'reproduced (secondary source)'
        WHEN 'revised_since' THEN 'revised since'
        WHEN 'superseded' THEN 'superseded (newer period)'
        WHEN 'differs' THEN 'differs'
        ELSE 'cited only'
    END AS verdict_en,
    CASE verdict
        WHEN 'reproduced' THEN
            CASE WHEN source_recomputed
                 THEN 'Herberekend uit de CBS-tabellen: ' || source_nl || ' (' || period_nl || '); het geciteerde ''' || cited_text || ''' is dat cijfer afgerond.'
                 ELSE source_publisher || ' geeft ' || source_nl || ' (' || period_nl || '); het geciteerde ''' || cited_text || ''' stemt daarmee overeen binnen de afronding.' END
        WHEN 'reproduced_secondary' THEN
            source_publisher || ' geeft ' || source_nl || ' (' || period_nl || '), in overeenstemming met het geciteerde ''' || cited_text
            || '''; dit is een pagina die de producent citeert: geen primaire bron gevonden.'
        WHEN 'superseded' THEN
            'Klopt voor ' || period_nl || ' (' || source_nl || ', ' || source_publisher || '), maar er is een nieuwere periode: '
            || latest_period_nl || ' = ' || latest_nl || ' (' || latest_publisher || ').'
        WHEN 'revised_since' THEN
            earlier_publisher || ' gaf ' || monitor_number_text(earlier_value, 'nl') || '; de bron die nu geldt (' || source_publisher
            || ') geeft ' || source_nl || ' voor ' || period_nl || '.'
        WHEN 'differs' THEN
            source_publisher || ' geeft ' || source_nl || ' (' || period_nl || '); het geciteerde ''' || cited_text
            || ''' ligt daar verder van af dan de afronding toelaat (verschil '
            || monitor_number_text(abs(coalesce(source_value - cited_value, 0)), 'nl') || ').'
        ELSE
            'Geen bron dan het citaat gevonden. ' || coalesce(searched_nl, '')
            || coalesce(' Nieuwste cijfer in de bronnen: ' || latest_nl || ' (' || latest_period_nl || ', ' || latest_publisher || ').', '')
    END || coalesce(' ' || note_nl, '') AS reason_nl,
    CASE verdict
        WHEN 'reproduced' THEN
            CASE WHEN source_recomputed
                 THEN 'Recomputed from the CBS tables: ' || source_en || ' (' || period_en || '); the cited ''' || cited_text || ''' is that figure rounded.'
                 ELSE source_publisher || ' gives ' || source_en || ' (' || period_en || '); the cited ''' || cited_text || ''' agrees with it within its rounding.' END
        WHEN 'reproduced_secondary' THEN
            source_publisher || ' gives ' || source_en || ' (' || period_en || '), which agrees with the cited ''' || cited_text
            || '''; this is a page quoting the producer: no primary source was found.'
        WHEN 'superseded' THEN
            'Right for ' || period_en || ' (' || source_en || ', ' || source_publisher || '), but a newer period exists: '
            || latest_period_en || ' = ' || latest_en || ' (' || latest_publisher || ').'
        WHEN 'revised_since' THEN
            earlier_publisher || ' gave ' || monitor_number_text(earlier_value, 'en') || '; the source that now holds ('
            || source_publisher || ') gives ' || source_en || ' for ' || period_en || '.'
        WHEN 'differs' THEN
            source_publisher || ' gives ' || source_en || ' (' || period_en || '); the cited ''' || cited_text
            || ''' is further from it than its rounding allows (difference '
            || monitor_number_text(abs(coalesce(source_value - cited_value, 0)), 'en') || ').'
        ELSE
            'No source other than the citation was found. ' || coalesce(searched_en, '')
            || coalesce(' Newest figure in the sources: ' || latest_en || ' (' || latest_period_en || ', ' || latest_publisher || ').', '')
    END || coalesce(' ' || note_en, '') AS reason_en,
    chapter,
    key_figure,
    estimate
FROM worded
ORDER BY figure_id
