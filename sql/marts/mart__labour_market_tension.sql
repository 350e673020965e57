-- Vintages are typed (monitor_vintage_date: a month or year is dated to its first day) and compared as dates, never
-- as text ('2022' >= '2022-02-15' is false as text).
WITH vacancies AS (
    SELECT period_code, period_start, monitor_vintage_date(vintage, published) AS vintage, value, snapshot_id, status
    FROM stg_cbs__observations
    WHERE indicator_id = 'vacatures_openstaand_sa' AND breakdown = '' AND period_type = 'quarter' AND value IS NOT NULL
      AND monitor_vintage_date(vintage, published) IS NOT NULL
),
unemployed AS (
    SELECT period_code, monitor_vintage_date(vintage, published) AS vintage,
           monitor_vintage_precision(vintage, published) AS vintage_precision, value, snapshot_id, status
    FROM stg_cbs__observations
    WHERE indicator_id = 'werkloze_beroepsbevolking_sa' AND breakdown = '' AND period_type = 'quarter' AND value IS NOT NULL
      AND monitor_vintage_date(vintage, published) IS NOT NULL
),
as_of_dates AS (
    -- every date at which either part of a quarter was (re)published
    SELECT DISTINCT period_code, vintage AS as_of FROM vacancies
    UNION
    SELECT DISTINCT period_code, vintage AS as_of FROM unemployed
),
known_at AS (
    SELECT
        a.period_code,
        a.as_of,
        (SELECT max(v.vintage) FROM vacancies v WHERE v.period_code = a.period_code AND v.vintage <= a.as_of) AS vacancies_vintage,
        (SELECT max(u.vintage) FROM unemployed u WHERE u.period_code = a.period_code AND u.vintage <= a.as_of) AS unemployed_vintage
    FROM as_of_dates a
)
SELECT
    k.period_code,
    v.period_start,
    k.as_of,
    v.value AS vacancies_x1000,
    u.value AS unemployed_x1000,
    round(100 * v.value / u.value, 1) AS vacancies_per_100_unemployed,
    CAST(round(100 * v.value / u.value) AS INTEGER) AS vacancies_per_100_unemployed_rounded,
    k.vacancies_vintage,
    k.unemployed_vintage,
    CASE WHEN v.status = 'provisional' OR u.status = 'provisional' THEN 'provisional'
         WHEN v.status = 'derived' OR u.status = 'derived' THEN 'derived'
         ELSE 'definitive' END AS status,
    -- CBS changed the Enquete Beroepsbevolking on 15 Feb 2022 and back-cast it to 2013. A vintage known only to the
    -- month or year that spans that date cannot say which method it used: NULL.
    CASE WHEN k.unemployed_vintage >= DATE '2022-02-15' THEN TRUE
         WHEN monitor_vintage_end(k.unemployed_vintage, u.vintage_precision) < DATE '2022-02-15' THEN FALSE
    END AS unemployed_new_ebb_method,
    k.as_of = max(k.as_of) OVER (PARTITION BY k.period_code) AS is_latest,
    v.snapshot_id AS vacancies_snapshot_id,
    u.snapshot_id AS unemployed_snapshot_id
FROM known_at k
JOIN vacancies v ON v.period_code = k.period_code AND v.vintage = k.vacancies_vintage
JOIN unemployed u ON u.period_code = k.period_code AND u.vintage = k.unemployed_vintage
ORDER BY k.period_code, k.as_of
