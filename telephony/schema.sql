-- The DuckDB model. One table per grain; every fact row remembers the file it came from.
-- Column meanings are documented for users in data/column_dictionary.csv.

-- Every file offered to the store, loaded or not.
CREATE TABLE IF NOT EXISTS sources (
    source_id   INTEGER PRIMARY KEY,
    sha256      VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    kind        VARCHAR,            -- detected format, see telephony.detect.KINDS
    status      VARCHAR NOT NULL,   -- loaded | failed | duplicate
    message     VARCHAR,
    loaded_at   TIMESTAMP NOT NULL,
    report      JSON                -- the full load report
);

-- A reporting unit: a named practice, or a shared phone account ('Unassigned') identified by
-- the geography it was published under. Facts refer to units, never to free-text geography.
CREATE TABLE IF NOT EXISTS units (
    unit_id       INTEGER PRIMARY KEY,
    practice_code VARCHAR NOT NULL,
    pcn_code      VARCHAR NOT NULL,
    sub_icb_code  VARCHAR NOT NULL,
    icb_code      VARCHAR NOT NULL,
    region_code   VARCHAR NOT NULL,
    geo_key       UBIGINT NOT NULL UNIQUE,  -- hash of the five codes; facts are joined on it
    UNIQUE (practice_code, pcn_code, sub_icb_code, icb_code, region_code)
);

-- Names of organisations at every level, newest file wins.
CREATE TABLE IF NOT EXISTS org_names (
    level     VARCHAR NOT NULL,     -- practice | pcn | sub_icb | icb | region
    code      VARCHAR NOT NULL,
    name      VARCHAR NOT NULL,
    source_id INTEGER NOT NULL,
    PRIMARY KEY (level, code)
);

-- Grain: practice (unit) x month. From the Publication Summary workbook, Tables 3-5.
CREATE TABLE IF NOT EXISTS workbook_month (
    month  DATE NOT NULL,
    unit_id INTEGER NOT NULL,
    inbound BIGINT, answered BIGINT, ivr BIGINT, callback_requested BIGINT,
    callback_made BIGINT, missed BIGINT,
    answered_wait_0 BIGINT, answered_wait_1 BIGINT, answered_wait_2 BIGINT, answered_wait_3 BIGINT,
    answered_duration_0 BIGINT, answered_duration_1 BIGINT,
    answered_duration_2 BIGINT, answered_duration_3 BIGINT,
    missed_wait_0 BIGINT, missed_wait_1 BIGINT, missed_wait_2 BIGINT, missed_wait_3 BIGINT,
    source_id INTEGER NOT NULL,
    PRIMARY KEY (month, unit_id)
);

-- Grain: practice (unit) x date x time band x indicator. From "By Day and Time" CSVs.
CREATE TABLE IF NOT EXISTS calls_by_band (
    date      DATE NOT NULL,
    unit_id   INTEGER NOT NULL,
    indicator UTINYINT NOT NULL,    -- 1..7 for CBT001..CBT007
    band      UTINYINT NOT NULL,    -- 0..8, telephony.formats.TIME_BANDS
    value     INTEGER NOT NULL,
    source_id INTEGER NOT NULL
);

-- The seconds buckets of "By Durations" (family 'durations') and "Calls Answered Metric" (family
-- 'answered_wait'), one row per bucket as published, e.g. '1_60', '>300', 'TOTAL'.
CREATE TABLE IF NOT EXISTS buckets (
    bucket_id USMALLINT PRIMARY KEY,
    family    VARCHAR NOT NULL,     -- durations | answered_wait
    bucket    VARCHAR NOT NULL,     -- as published (spaces removed, upper case)
    lo        INTEGER,              -- seconds, inclusive; NULL for TOTAL
    hi        INTEGER,              -- seconds, inclusive; NULL when open-ended or TOTAL
    wait_band UTINYINT,             -- 0..3, telephony.formats.WAIT_BANDS; NULL for TOTAL
    UNIQUE (family, bucket)
);

-- Grain: practice (unit) x date x indicator x bucket (x core category). The rows of those two CSV
-- families, with the bucket as a small number (cheap to load and to scan).
CREATE TABLE IF NOT EXISTS bucket_counts (
    date      DATE NOT NULL,
    unit_id   INTEGER NOT NULL,
    bucket_id USMALLINT NOT NULL,   -- buckets.bucket_id (which also says the family)
    indicator UTINYINT NOT NULL,
    core      VARCHAR,              -- Core_Category where published, else NULL
    value     INTEGER NOT NULL,
    source_id INTEGER NOT NULL
);

-- The same rows with each bucket spelled out, for reading.
CREATE OR REPLACE VIEW calls_by_bucket AS
SELECT c.date, c.unit_id, b.family, c.indicator, b.bucket, b.lo, b.hi, b.wait_band, c.core, c.value, c.source_id
FROM bucket_counts c JOIN buckets b USING (bucket_id);

-- Grain: practice (unit) x month: each daily table summed. A CSV load writes the rows of the
-- practices it covers from its own staged rows; call logs rebuild their months from the daily
-- table (queries/load/band_month_sums.sql, bucket_month_sums.sql, then the *_upsert.sql files), so
-- loading one family never re-reads the other's rows.
CREATE TABLE IF NOT EXISTS band_month (
    month  DATE NOT NULL,
    unit_id INTEGER NOT NULL,
    inbound BIGINT, answered BIGINT, ivr BIGINT, callback_requested BIGINT,
    callback_made BIGINT, missed BIGINT,
    PRIMARY KEY (month, unit_id)
);
-- The outcome columns here come from By Durations (NULL where no By Durations file covers the
-- unit-month); the bands from both bucket families (NULL where the family is missing):
-- answered_wait_* from Calls Answered Metric, durations_answered_wait_* from By Durations' CBT003
-- wait buckets (NULL where its file gives CBT003 as TOTAL only). queries/load/refresh_daily_month.sql
-- chooses between the two.
CREATE TABLE IF NOT EXISTS bucket_month (
    month  DATE NOT NULL,
    unit_id INTEGER NOT NULL,
    inbound BIGINT, answered BIGINT, ivr BIGINT, callback_requested BIGINT,
    callback_made BIGINT, missed BIGINT,
    answered_wait_0 BIGINT, answered_wait_1 BIGINT, answered_wait_2 BIGINT, answered_wait_3 BIGINT,
    answered_duration_0 BIGINT, answered_duration_1 BIGINT,
    answered_duration_2 BIGINT, answered_duration_3 BIGINT,
    missed_wait_0 BIGINT, missed_wait_1 BIGINT, missed_wait_2 BIGINT, missed_wait_3 BIGINT,
    durations_answered_wait_0 BIGINT, durations_answered_wait_1 BIGINT,
    durations_answered_wait_2 BIGINT, durations_answered_wait_3 BIGINT,
    PRIMARY KEY (month, unit_id)
);

-- Grain: area (each ICB, and England) x date x indicator x time band: calls_by_band summed, so
-- the pages' daily and time-band figures for an ICB or England read a few thousand rows a month,
-- not millions. Rebuilt for the months a load touches (queries/load/area_day_band_sums.sql).
-- Read through the area_band view (queries/staging/views.sql).
CREATE TABLE IF NOT EXISTS area_day_band (
    level     VARCHAR NOT NULL,     -- icb | england
    area_code VARCHAR NOT NULL,
    date      DATE NOT NULL,
    indicator UTINYINT NOT NULL,
    band      UTINYINT NOT NULL,
    value     BIGINT NOT NULL
);

-- Grain: practice (unit) x month, the two summaries above side by side (rebuilt from them, which
-- is cheap, after each CSV load). Used wherever no workbook covers the unit-month (see
-- unit_month in queries/staging/views.sql).
CREATE TABLE IF NOT EXISTS daily_month (
    month  DATE NOT NULL,
    unit_id INTEGER NOT NULL,
    inbound BIGINT, answered BIGINT, ivr BIGINT, callback_requested BIGINT,
    callback_made BIGINT, missed BIGINT,
    answered_wait_0 BIGINT, answered_wait_1 BIGINT, answered_wait_2 BIGINT, answered_wait_3 BIGINT,
    answered_duration_0 BIGINT, answered_duration_1 BIGINT,
    answered_duration_2 BIGINT, answered_duration_3 BIGINT,
    missed_wait_0 BIGINT, missed_wait_1 BIGINT, missed_wait_2 BIGINT, missed_wait_3 BIGINT,
    PRIMARY KEY (month, unit_id)
);

-- National figures published by NHS England (workbook Tables 1 and 2), for context and checks.
CREATE TABLE IF NOT EXISTS national_month (
    month     DATE NOT NULL,
    measure   VARCHAR NOT NULL,
    value     DOUBLE,
    source_id INTEGER NOT NULL,
    PRIMARY KEY (month, measure)
);
CREATE TABLE IF NOT EXISTS national_by_band (
    date      DATE NOT NULL,
    band      UTINYINT,             -- NULL = the day's total
    value     BIGINT,
    source_id INTEGER NOT NULL
);

-- Registered patients per practice on an extract date (list sizes).
CREATE TABLE IF NOT EXISTS list_sizes (
    practice_code VARCHAR NOT NULL,
    extract_date  DATE NOT NULL,
    patients      INTEGER NOT NULL,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (practice_code, extract_date)
);

-- Practice -> PCN membership from reference files (mapping file, ePCN). valid_to NULL = current.
CREATE TABLE IF NOT EXISTS pcn_membership (
    practice_code VARCHAR NOT NULL,
    pcn_code      VARCHAR NOT NULL,
    valid_from    DATE,
    valid_to      DATE,
    source_id     INTEGER NOT NULL
);

-- Which file supplies each family's rows for each unit-month (the basis of precedence and of
-- the overlap report). family: workbook | by_day_time | durations | answered_wait.
CREATE TABLE IF NOT EXISTS coverage (
    family    VARCHAR NOT NULL,
    month     DATE NOT NULL,
    unit_id   INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    PRIMARY KEY (family, month, unit_id)
);

-- Rows that were read but not loaded, with the reason.
CREATE TABLE IF NOT EXISTS rejects (
    source_id INTEGER NOT NULL,
    location  VARCHAR,              -- sheet or zip member
    row_number BIGINT,              -- 1-based line/row in that sheet or CSV, header included
    column_name VARCHAR,
    reason    VARCHAR NOT NULL,
    raw       VARCHAR               -- the offending text
);

-- Checks of what was loaded against the file's own totals.
CREATE TABLE IF NOT EXISTS reconciliation (
    source_id INTEGER NOT NULL,
    check_name VARCHAR NOT NULL,
    expected  DOUBLE,
    actual    DOUBLE,
    ok        BOOLEAN NOT NULL
);

-- Bank holidays in England (filled from telephony.calendar when a database is opened).
CREATE TABLE IF NOT EXISTS bank_holidays (
    date DATE PRIMARY KEY,
    name VARCHAR NOT NULL
);

-- Supplier call logs (telephony/calllog): call-level detail the monthly publication lacks.
-- Aggregates only: no caller number and no hash of one is ever stored. A later call log for
-- the same practice-days replaces an earlier one's rows.
-- Grain: practice (unit) x date x 30-minute slot x outcome.
CREATE TABLE IF NOT EXISTS call_log_slots (
    date      DATE NOT NULL,
    unit_id   INTEGER NOT NULL,
    slot      UTINYINT NOT NULL,    -- 0..47: 00:00-00:29 is 0, 08:00-08:29 is 16
    outcome   UTINYINT NOT NULL,    -- the call's national outcome as its indicator: 2 IVR, 3 answered, 4 missed, 5 callback requested
    calls     INTEGER NOT NULL,
    source_id INTEGER NOT NULL
);
-- Grain: unit x date x outcome (3 answered, 4 missed) x fine wait bucket (seconds waited).
CREATE TABLE IF NOT EXISTS call_log_waits (
    date      DATE NOT NULL,
    unit_id   INTEGER NOT NULL,
    outcome   UTINYINT NOT NULL,
    wait_lo   INTEGER NOT NULL,     -- seconds, inclusive
    wait_hi   INTEGER,              -- seconds, inclusive; NULL = open-ended
    calls     INTEGER NOT NULL,
    source_id INTEGER NOT NULL
);
-- Grain: unit x date. Repeat callers (rang the same practice 2+ times that day), counted while
-- loading from caller numbers hashed with a per-session random salt, then dropped.
CREATE TABLE IF NOT EXISTS call_log_callers (
    date              DATE NOT NULL,
    unit_id           INTEGER NOT NULL,
    calls_with_number INTEGER NOT NULL,   -- calls whose number was given (not withheld)
    callers           INTEGER NOT NULL,   -- different numbers
    repeat_callers    INTEGER NOT NULL,   -- numbers with 2 or more calls that day
    repeat_calls      INTEGER NOT NULL,   -- calls from those numbers
    source_id         INTEGER NOT NULL
);

-- Local events a user records ("new phone system", 3 March 2026) to rebase a trend at and to
-- compare before and after (telephony/trends.py). They live in the store's database: kept with
-- a library's database file, or for the session only in a session's store.
CREATE TABLE IF NOT EXISTS events (
    event_id  INTEGER PRIMARY KEY,
    date      DATE NOT NULL,
    label     VARCHAR NOT NULL,
    added_at  TIMESTAMP NOT NULL
);
