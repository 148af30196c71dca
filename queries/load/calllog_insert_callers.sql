-- Loads repeat callers per practice and day into call_log_callers (grain: unit x date), from the
-- salted caller keys in temp table cl_good. Only the counts are stored; the keys are dropped
-- with cl_good when loading ends. Params: $source.
INSERT INTO call_log_callers
WITH per_caller AS (
    SELECT date, unit_id, caller_key, count(*) AS calls
    FROM cl_good WHERE caller_key IS NOT NULL
    GROUP BY date, unit_id, caller_key
)
SELECT date, unit_id, sum(calls)::INTEGER, count(*)::INTEGER,
       count(*) FILTER (WHERE calls > 1)::INTEGER,
       coalesce(sum(calls) FILTER (WHERE calls > 1), 0)::INTEGER, $source
FROM per_caller
GROUP BY date, unit_id;
