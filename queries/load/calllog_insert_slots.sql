-- Loads every call of a call log (whatever the precedence for monthly figures) into
-- call_log_slots: grain unit x date x 30-minute slot x outcome. Reads temp table cl_good.
-- Params: $source.
INSERT INTO call_log_slots
SELECT date, unit_id, slot, outcome, count(*)::INTEGER, $source
FROM cl_good
GROUP BY date, unit_id, slot, outcome;
