SELECT * REPLACE (
    monitor_status(status) AS status,
    monitor_qualifier(value_qualifier) AS value_qualifier,
    monitor_text(locator) AS locator,
    monitor_text(quote) AS quote
)
FROM raw_wagweu__observations
