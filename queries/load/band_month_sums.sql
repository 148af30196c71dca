-- Temp table band_sums (grain: unit x month x indicator) from calls_by_band, for the months a load
-- touched, for queries/load/band_month_upsert.sql. Params: $start (first month, DATE), $end (first day
-- after the last month, DATE). A CSV load builds the same table from its staged rows instead.
CREATE OR REPLACE TEMP TABLE band_sums AS
SELECT date_trunc('month', date)::DATE AS month, unit_id, indicator, sum(value) AS value
FROM calls_by_band
WHERE date >= $start AND date < $end
GROUP BY ALL;
