-- Loads a call log's calls into calls_by_band (grain: unit x date x time band x indicator), for
-- the practice-months no published file covers (temp table cl_fact_months; see
-- telephony/calllog/load.py for the precedence rule). Reads temp table cl_good, one row per
-- loaded call. Indicators as published: CBT001 every call; its outcome (CBT002 IVR, CBT003
-- answered, CBT004 missed, CBT005 callback requested); CBT007 for answered calls again (the same
-- calls, detailed by duration nationally); CBT006 for calls whose callback was made, only when
-- the log has that column. Zero counts are left out, as in the published files.
-- Params: $source (source_id), $with_callback_made (BOOLEAN).
INSERT INTO calls_by_band
WITH calls AS (
    SELECT g.date, g.unit_id, g.band, g.outcome, g.cb_made
    FROM cl_good g JOIN cl_fact_months f USING (unit_id, month)
),
indicators AS (
    SELECT date, unit_id, band, 1 AS indicator FROM calls
    UNION ALL SELECT date, unit_id, band, outcome FROM calls
    UNION ALL SELECT date, unit_id, band, 7 FROM calls WHERE outcome = 3
    UNION ALL SELECT date, unit_id, band, 6 FROM calls WHERE $with_callback_made AND cb_made
)
SELECT date, unit_id, indicator::UTINYINT, band, count(*)::INTEGER, $source
FROM indicators
GROUP BY date, unit_id, indicator, band;
