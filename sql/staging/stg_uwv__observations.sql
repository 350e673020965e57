-- description: UWV figures (TWV/GVVA, Spanningsindicator, shortage occupations), ready for the marts: statuses in the monitor's vocabulary (published, projection, provisional, definitive, missing, secret, derived), qualifiers in lower case with straight apostrophes, empty text as NULL. The cleaning itself is written once, in sql/macros/.
SELECT * REPLACE (
    monitor_status(status) AS status,
    monitor_qualifier(value_qualifier) AS value_qualifier,
    monitor_text(locator) AS locator,
    monitor_text(quote) AS quote
)
FROM raw_uwv__observations
