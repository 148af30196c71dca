-- Writes area_day_band rows (grain: area x date x indicator x time band, for each ICB and for
-- England) for the dates from $start up to (not including) $end, from calls_by_band. The caller
-- has deleted what the table held for those dates (telephony.model.refresh_summaries).
-- An ICB holds its units' rows (not 'Unmapped'); England holds every row, as area_band did when
-- it summed calls_by_band on every query.
-- Params: $start, $end (DATE, first day of the first month, first day after the last month).
INSERT INTO area_day_band
WITH by_icb AS MATERIALIZED (
    SELECT u.icb_code, b.date, b.indicator, b.band, sum(b.value) AS value
    FROM calls_by_band b JOIN units u USING (unit_id)
    WHERE b.date >= $start AND b.date < $end
    GROUP BY ALL
)
SELECT 'icb', icb_code, date, indicator, band, value FROM by_icb WHERE icb_code <> 'Unmapped'
UNION ALL
SELECT 'england', 'E92000001', date, indicator, band, sum(value) FROM by_icb GROUP BY ALL
