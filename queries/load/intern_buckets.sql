-- Adds the buckets in temp table new_buckets (family, bucket, lo, hi, wait_band) that `buckets`
-- does not hold yet, each with the next free bucket_id. Ids come from the table, not a sequence,
-- so a load that is rolled back leaves no gap (see Store.load).
INSERT INTO buckets
SELECT (SELECT coalesce(max(bucket_id), 0) FROM buckets) + row_number() OVER (ORDER BY family, bucket),
       family, bucket, lo, hi, wait_band
FROM (SELECT DISTINCT family, bucket, lo, hi, wait_band FROM new_buckets) n
WHERE NOT EXISTS (SELECT 1 FROM buckets b WHERE b.family = n.family AND b.bucket = n.bucket);
