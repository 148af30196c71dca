-- Staging layer: every metric is defined here once; every query in queries/ reads these views.
-- Created by telephony.store.Store when a database is opened.

-- unit_month (grain: unit x month): the workbook's figures where a workbook covers the
-- unit-month, else the figures aggregated from the practice-level CSVs (store precedence).
CREATE OR REPLACE VIEW unit_month AS
SELECT month, unit_id, inbound, answered, ivr, callback_requested, callback_made, missed,
       answered_wait_0, answered_wait_1, answered_wait_2, answered_wait_3,
       answered_duration_0, answered_duration_1, answered_duration_2, answered_duration_3,
       missed_wait_0, missed_wait_1, missed_wait_2, missed_wait_3, 'workbook' AS origin
FROM workbook_month
UNION ALL
SELECT d.month, d.unit_id, d.inbound, d.answered, d.ivr, d.callback_requested, d.callback_made, d.missed,
       d.answered_wait_0, d.answered_wait_1, d.answered_wait_2, d.answered_wait_3,
       d.answered_duration_0, d.answered_duration_1, d.answered_duration_2, d.answered_duration_3,
       d.missed_wait_0, d.missed_wait_1, d.missed_wait_2, d.missed_wait_3, 'csv' AS origin
FROM daily_month d
WHERE NOT EXISTS (SELECT 1 FROM workbook_month w WHERE w.month = d.month AND w.unit_id = d.unit_id);

-- stg_unit_month (grain: unit x month): unit_month with geography, shared-account flag and the
-- list size NHS England uses for rates (the list dated the 1st of the call month; the nearest
-- earlier list if that one is not loaded). Shared accounts have no list size: their practices
-- are not identified.
CREATE OR REPLACE VIEW stg_unit_month AS
SELECT m.*,
       u.practice_code, u.pcn_code, u.sub_icb_code, u.icb_code, u.region_code,
       u.practice_code = 'Unassigned' AS is_shared,
       regexp_full_match(u.pcn_code, 'U\d{5}') AS pcn_is_real,
       ls.patients
FROM unit_month m
JOIN units u USING (unit_id)
LEFT JOIN LATERAL (
    SELECT l.patients FROM list_sizes l
    WHERE l.practice_code = u.practice_code AND l.extract_date <= m.month
    ORDER BY l.extract_date DESC LIMIT 1
) ls ON u.practice_code <> 'Unassigned';

-- area_unit_month_source: each unit-month once per area it belongs to (its PCN, ICB and England).
-- A shared account counts in a PCN only where it was published with a real PCN code.
CREATE OR REPLACE VIEW area_unit_month_source AS
WITH s AS MATERIALIZED (SELECT * FROM stg_unit_month)
SELECT 'pcn' AS level, pcn_code AS area_code, * FROM s WHERE pcn_is_real
UNION ALL
SELECT 'icb', icb_code, * FROM s WHERE icb_code <> 'Unmapped'
UNION ALL
SELECT 'england', 'E92000001', * FROM s;

-- area_unit_month: the same rows, kept as a table (area_unit_month_rows) that every load
-- rewrites inside its transaction, from the first month it changed (telephony.model.
-- refresh_areas, queries/load/area_unit_month_refresh.sql), sorted by area and month. Pages read
-- the table instead of working out precedence, geography and list sizes for every unit-month
-- on every query: with a year of national data that was most of each page's time. A database
-- made before the table existed gets it filled when a store next opens it (model.fill_derived).
CREATE TABLE IF NOT EXISTS area_unit_month_rows AS SELECT * FROM area_unit_month_source WHERE false;

CREATE OR REPLACE VIEW area_unit_month AS SELECT * FROM area_unit_month_rows;

-- The metric definitions, once. area_metrics(start, end, per_month) returns one row per area
-- and month (per_month = true) or per area for the whole period (false, month = start).
-- Counts are sums; shares are recomputed from counts, never taken from the files' rounded
-- percentages; each measure's numerator and denominator are in telephony/metrics.py. A share
-- is NULL where its denominator is 0 (e.g. callbacks made / requested where no callbacks were
-- requested: "not used", not "perfect").
CREATE OR REPLACE MACRO metric_share(part, whole) AS
    CASE WHEN whole > 0 THEN part::DOUBLE / whole END;

CREATE OR REPLACE MACRO area_metrics(start_month, end_month, per_month) AS TABLE
WITH counts AS (
    SELECT level, area_code,
           CASE WHEN per_month THEN month ELSE start_month::DATE END AS month,
           count(DISTINCT month) AS months,
           count(DISTINCT practice_code) FILTER (WHERE NOT is_shared AND inbound IS NOT NULL) AS practices_reporting,
           sum(inbound) AS inbound,
           sum(answered) AS answered,
           sum(ivr) AS ended_in_ivr,
           sum(callback_requested) AS callback_requested,
           sum(callback_made) AS callback_made,
           sum(missed) AS missed,
           coalesce(sum(inbound) FILTER (WHERE is_shared), 0) AS shared_account_inbound,
           -- rate: calls at named practices with a known list size, per 1,000 of their patients
           sum(inbound) FILTER (WHERE NOT is_shared AND patients > 0) AS rate_inbound,
           sum(patients) FILTER (WHERE NOT is_shared AND patients > 0 AND inbound IS NOT NULL) AS patients,
           sum(answered_wait_0) AS answered_wait_0, sum(answered_wait_1) AS answered_wait_1,
           sum(answered_wait_2) AS answered_wait_2, sum(answered_wait_3) AS answered_wait_3,
           sum(answered_duration_0) AS answered_duration_0, sum(answered_duration_1) AS answered_duration_1,
           sum(answered_duration_2) AS answered_duration_2, sum(answered_duration_3) AS answered_duration_3,
           sum(missed_wait_0) AS missed_wait_0, sum(missed_wait_1) AS missed_wait_1,
           sum(missed_wait_2) AS missed_wait_2, sum(missed_wait_3) AS missed_wait_3,
           -- The calls in each family's four bands, where any band is published: the denominators of
           -- the band shares and of "within 2 minutes". NHS England's Table 4 percentages are of the
           -- bands' own total (CBT003 by wait), which can differ from answered (CBT007): December
           -- 2025, practice N81111, bands 3,057 against answered 3,065, over 5 minutes printed 66.3%.
           -- A blank band beside published ones is none.
           sum(coalesce(answered_wait_0, 0) + coalesce(answered_wait_1, 0) + coalesce(answered_wait_2, 0)
               + coalesce(answered_wait_3, 0))
               FILTER (WHERE coalesce(answered_wait_0, answered_wait_1, answered_wait_2, answered_wait_3) IS NOT NULL)
               AS answered_with_waits,
           sum(coalesce(answered_duration_0, 0) + coalesce(answered_duration_1, 0) + coalesce(answered_duration_2, 0)
               + coalesce(answered_duration_3, 0))
               FILTER (WHERE coalesce(answered_duration_0, answered_duration_1, answered_duration_2,
                                      answered_duration_3) IS NOT NULL)
               AS answered_with_durations,
           sum(coalesce(missed_wait_0, 0) + coalesce(missed_wait_1, 0) + coalesce(missed_wait_2, 0)
               + coalesce(missed_wait_3, 0))
               FILTER (WHERE coalesce(missed_wait_0, missed_wait_1, missed_wait_2, missed_wait_3) IS NOT NULL)
               AS missed_with_waits,
           count(*) FILTER (WHERE answered + ivr + callback_requested + missed <> inbound) AS units_unbalanced,
           count(*) FILTER (WHERE callback_requested = 0) AS units_without_callbacks
    FROM area_unit_month
    WHERE month BETWEEN start_month AND end_month
    GROUP BY ALL
)
SELECT *,
       -- The measures, rendered from the registry in telephony/metrics.py (metrics.staging_sql):
       -- their definitions live there only.
       -- {measures}
FROM counts;

-- area_band (grain: area x date x time band x indicator, with a PCN's rows per unit): the daily
-- CSV detail placed in its areas, as area_unit_month does for months. A PCN's few practices are
-- read from calls_by_band itself; ICBs and England from area_day_band, the same rows summed once
-- at load (telephony.model.refresh_summaries): summing a year of England's rows on every page
-- took seconds.
CREATE OR REPLACE VIEW area_band AS
SELECT 'pcn' AS level, u.pcn_code AS area_code, b.date, b.indicator, b.band, b.value
FROM calls_by_band b JOIN units u USING (unit_id)
WHERE regexp_full_match(u.pcn_code, 'U\d{5}')
UNION ALL
SELECT level, area_code, date, indicator, band, value FROM area_day_band;
