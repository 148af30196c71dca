-- Temp table bucket_sums (grain: unit x month x family x indicator x wait band) from bucket_counts,
-- for the months a load touched, for queries/load/bucket_month_upsert.sql. Params: $start (first month,
-- DATE), $end (first day after the last month, DATE). A CSV load builds the same table from its
-- staged rows instead.
CREATE OR REPLACE TEMP TABLE bucket_sums AS
-- Summed to unit x month x bucket on small integer keys first (cheap), then by wait band.
SELECT c.month, c.unit_id, b.family, c.indicator, b.wait_band, sum(c.value) AS value
FROM (SELECT date_trunc('month', date)::DATE AS month, unit_id, bucket_id, indicator, sum(value) AS value
      FROM bucket_counts
      WHERE date >= $start AND date < $end
      GROUP BY ALL) c
JOIN buckets b USING (bucket_id)
GROUP BY ALL;
