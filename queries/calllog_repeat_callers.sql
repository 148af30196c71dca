-- Returns: per day, for one PCN over the period, callers who rang the same practice two or more
-- times that day (a rough count: one person on two phones is two callers; two people sharing a
-- phone are one), the calls they made, and the calls with a number given. From the counts the
-- loaded call logs left (call_log_callers); no number is stored.
-- Grain: PCN x date. Params: $pcn, $start, $end (first days of months).
SELECT c.date, isodow(c.date) AS weekday, h.name AS bank_holiday,
       sum(c.calls_with_number) AS calls_with_number, sum(c.callers) AS callers,
       sum(c.repeat_callers) AS repeat_callers, sum(c.repeat_calls) AS repeat_calls,
       metric_share(sum(c.repeat_calls), sum(c.calls_with_number)) AS repeat_call_share
FROM call_log_callers c JOIN units u USING (unit_id)
LEFT JOIN bank_holidays h USING (date)
WHERE u.pcn_code = $pcn AND c.date >= $start AND c.date < $end + INTERVAL 1 MONTH
GROUP BY c.date, h.name
ORDER BY c.date;
