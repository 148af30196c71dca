-- Loads answered and missed calls' waits in fine buckets into call_log_waits: grain unit x date
-- x outcome x bucket. Buckets: 0 s; 15 s wide to 1 minute; 30 s wide to 10 minutes; 5 minutes
-- wide to 20 minutes; 20-30 minutes; over 30 minutes. Reads temp table cl_good (wait_s is NULL
-- when the log has no wait column: nothing is loaded then). Params: $source.
INSERT INTO call_log_waits
WITH b AS (
    SELECT date, unit_id, outcome,
           CASE WHEN wait_s = 0 THEN 0
                WHEN wait_s <= 60 THEN ((wait_s - 1) // 15) * 15 + 1
                WHEN wait_s <= 600 THEN ((wait_s - 1) // 30) * 30 + 1
                WHEN wait_s <= 1200 THEN ((wait_s - 1) // 300) * 300 + 1
                WHEN wait_s <= 1800 THEN 1201
                ELSE 1801 END AS wait_lo
    FROM cl_good
    WHERE outcome IN (3, 4) AND wait_s IS NOT NULL
)
SELECT date, unit_id, outcome, wait_lo,
       CASE WHEN wait_lo = 0 THEN 0 WHEN wait_lo <= 46 THEN wait_lo + 14 WHEN wait_lo <= 571 THEN wait_lo + 29
            WHEN wait_lo <= 901 THEN wait_lo + 299 WHEN wait_lo = 1201 THEN 1800 END AS wait_hi,
       count(*)::INTEGER, $source
FROM b
GROUP BY date, unit_id, outcome, wait_lo;
