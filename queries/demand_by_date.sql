-- Returns: inbound calls (CBT001) per day for one area over the period, with the weekday and
-- the bank holiday's name where the day is one.
-- Grain: area x date. Params: $level, $code, $start, $end (first days of months).
SELECT b.date, isodow(b.date) AS weekday, sum(b.value) AS calls, h.name AS bank_holiday
FROM area_band b
LEFT JOIN bank_holidays h USING (date)
WHERE b.level = $level AND (b.area_code = $code OR $level = 'england') AND b.indicator = 1
  AND b.date >= $start AND b.date < $end + INTERVAL 1 MONTH
GROUP BY b.date, h.name
ORDER BY b.date;
