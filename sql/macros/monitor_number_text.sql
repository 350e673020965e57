-- description: A number as text in the notation of a language ('nl': 27.304 and 105,9; 'en': 27,304 and 105.9): whole numbers without decimals, others with one decimal. For text the marts compose (reasons, labels); the publication formats its own numbers with report_kit.fmt.
CREATE OR REPLACE MACRO monitor_number_text(x, lang) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN lang = 'nl' THEN translate(CASE WHEN CAST(x AS DOUBLE) = round(CAST(x AS DOUBLE)) THEN format('{:,.0f}', CAST(x AS DOUBLE)) ELSE format('{:,.1f}', CAST(x AS DOUBLE)) END, ',.', '.,')
         ELSE CASE WHEN CAST(x AS DOUBLE) = round(CAST(x AS DOUBLE)) THEN format('{:,.0f}', CAST(x AS DOUBLE)) ELSE format('{:,.1f}', CAST(x AS DOUBLE)) END
    END
