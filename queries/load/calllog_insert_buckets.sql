-- Loads a call log's waits and durations into bucket_counts (grain: unit x date x indicator x
-- bucket), in the published bucket tokens, for the practice-months no published file covers
-- (temp table cl_fact_months). Reads temp table cl_good, one row per loaded call.
--   family 'answered_wait' (as Calls Answered Metric): CBT003 by seconds waited, with the
--     core-hours category (08:00-18:30 Monday to Friday, bank holidays excluded);
--   family 'durations' (as By Durations): TOTAL rows for CBT001, CBT002, CBT003, CBT005 (and
--     CBT006 when the log has callback-made flags), CBT004 by seconds waited before hanging up,
--     CBT007 by seconds talked.
-- Params: $source, $with_waits (the log has a wait column), $with_durations (it has wait and
-- talk columns: By Durations carries both missed waits and answered durations, so one without
-- the other would read as zeros), $with_callback_made.
-- The buckets are in temp table cl_schemes, named in `buckets` first (calllog_new_buckets.sql).
INSERT INTO bucket_counts
WITH calls AS (
    SELECT g.date, g.unit_id, g.outcome, g.cb_made, g.wait_s, g.talk_s,
           CASE WHEN g.weekday <= 5 AND h.date IS NULL
                     AND hour(g.start_ts) * 60 + minute(g.start_ts) BETWEEN 480 AND 599 THEN 'Core_8_10'
                WHEN g.weekday <= 5 AND h.date IS NULL
                     AND hour(g.start_ts) * 60 + minute(g.start_ts) BETWEEN 600 AND 1109 THEN 'Core_10_1830'
                ELSE 'Non-Core' END AS core
    FROM cl_good g JOIN cl_fact_months f USING (unit_id, month)
    LEFT JOIN bank_holidays h ON h.date = g.date
),
bucketed AS (
    SELECT c.date, c.unit_id, 'answered_wait' AS family, 3 AS indicator, b.bucket, b.lo, b.hi, b.wait_band,
           c.core
    FROM calls c JOIN cl_schemes b ON b.scheme = 'answered' AND c.wait_s BETWEEN b.lo AND coalesce(b.hi, 2147483647)
    WHERE $with_waits AND c.outcome = 3
    UNION ALL
    SELECT date, unit_id, 'durations', indicator, 'TOTAL', NULL, NULL, NULL, NULL
    FROM (SELECT date, unit_id, 1 AS indicator FROM calls
          UNION ALL SELECT date, unit_id, outcome FROM calls WHERE outcome IN (2, 3, 5)
          UNION ALL SELECT date, unit_id, 6 FROM calls WHERE $with_callback_made AND cb_made)
    WHERE $with_durations
    UNION ALL
    SELECT c.date, c.unit_id, 'durations', 4, b.bucket, b.lo, b.hi, b.wait_band, NULL
    FROM calls c JOIN cl_schemes b ON b.scheme = 'missed' AND c.wait_s BETWEEN b.lo AND coalesce(b.hi, 2147483647)
    WHERE $with_durations AND c.outcome = 4
    UNION ALL
    SELECT c.date, c.unit_id, 'durations', 7, b.bucket, b.lo, b.hi, b.wait_band, NULL
    FROM calls c JOIN cl_schemes b ON b.scheme = 'answered' AND c.talk_s BETWEEN b.lo AND coalesce(b.hi, 2147483647)
    WHERE $with_durations AND c.outcome = 3
)
SELECT b.date, b.unit_id, k.bucket_id, b.indicator::UTINYINT, b.core, count(*)::INTEGER, $source
FROM bucketed b JOIN buckets k ON k.family = b.family AND k.bucket = b.bucket
GROUP BY ALL;
