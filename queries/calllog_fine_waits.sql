-- Returns: answered calls by seconds waited and missed calls by seconds waited before hanging
-- up, in fine buckets (0 s; 15 s wide to a minute; 30 s wide to 10 minutes; then 10-15, 15-20,
-- 20-30 and over 30 minutes), from the loaded call logs for one PCN over the period.
-- Grain: PCN x wait bucket. Params: $pcn, $start, $end (first days of months).
SELECT w.wait_lo, w.wait_hi,
       coalesce(sum(w.calls) FILTER (WHERE w.outcome = 3), 0) AS answered,
       coalesce(sum(w.calls) FILTER (WHERE w.outcome = 4), 0) AS missed
FROM call_log_waits w JOIN units u USING (unit_id)
WHERE u.pcn_code = $pcn AND w.date >= $start AND w.date < $end + INTERVAL 1 MONTH
GROUP BY w.wait_lo, w.wait_hi
ORDER BY w.wait_lo;
