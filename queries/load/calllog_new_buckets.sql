-- The seconds buckets a call log's calls are counted in, as NHS England publishes them: temp
-- table cl_schemes (scheme 'answered': time to answer and call length; 'missed': wait before
-- hanging up), and the same as temp table new_buckets for queries/load/intern_buckets.sql, which
-- names them in `buckets` before calllog_insert_buckets.sql counts calls in them.
CREATE OR REPLACE TEMP TABLE cl_schemes (scheme VARCHAR, bucket VARCHAR, lo INTEGER, hi INTEGER, wait_band UTINYINT);
INSERT INTO cl_schemes
VALUES ('answered', '0', 0, 0, 0), ('answered', '1_60', 1, 60, 0), ('answered', '61_120', 61, 120, 1),
           ('answered', '121_180', 121, 180, 2), ('answered', '181_300', 181, 300, 2),
           ('answered', '>300', 301, NULL, 3),
           ('missed', '0', 0, 0, 0), ('missed', '1_30', 1, 30, 0), ('missed', '31_60', 31, 60, 0),
           ('missed', '61_120', 61, 120, 1), ('missed', '121_300', 121, 300, 2),
           ('missed', '301_600', 301, 600, 3), ('missed', '>600', 601, NULL, 3);
CREATE OR REPLACE TEMP TABLE new_buckets AS
SELECT 'answered_wait' AS family, bucket, lo, hi, wait_band FROM cl_schemes WHERE scheme = 'answered'
UNION ALL SELECT 'durations', 'TOTAL', NULL, NULL, NULL
-- By Durations has CBT004 by wait before hanging up and CBT007 by call length.
UNION ALL SELECT DISTINCT 'durations', bucket, lo, hi, wait_band FROM cl_schemes;
