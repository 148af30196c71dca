-- Returns: how much call-level data the loaded call logs hold for one PCN over the period: the
-- number of practices with a log (a count, never which), days and dates covered, calls, calls
-- with a wait, and calls whose caller number was given (repeat callers are counted from those).
-- Grain: one row (the PCN, the period). Params: $pcn, $start, $end (first days of months).
WITH slots AS (
    SELECT s.date, s.calls, u.practice_code
    FROM call_log_slots s JOIN units u USING (unit_id)
    WHERE u.pcn_code = $pcn AND s.date >= $start AND s.date < $end + INTERVAL 1 MONTH
)
SELECT count(DISTINCT practice_code) AS practices_with_logs, count(DISTINCT date) AS days,
       min(date) AS first_date, max(date) AS last_date, coalesce(sum(calls), 0) AS calls,
       (SELECT coalesce(sum(w.calls), 0) FROM call_log_waits w JOIN units u USING (unit_id)
        WHERE u.pcn_code = $pcn AND w.date >= $start AND w.date < $end + INTERVAL 1 MONTH) AS calls_with_wait,
       (SELECT coalesce(sum(c.calls_with_number), 0) FROM call_log_callers c JOIN units u USING (unit_id)
        WHERE u.pcn_code = $pcn AND c.date >= $start AND c.date < $end + INTERVAL 1 MONTH) AS calls_with_number
FROM slots;
