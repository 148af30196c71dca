"""Each call in national terms: one scan of `cl_raw` into `cl_calls`, a typed row per call.

Every row gets its start time, date, weekday, time band (the nine published bands), 30-minute
slot, practice, national outcome (as its indicator: 2 IVR, 3 answered, 4 missed, 5 callback
requested), seconds waited and talked, callback-made flag and salted caller key, or, where it
cannot be converted, `problem` (the reason) and `problem_field` (which field); `left_out` marks
the calls that are not inbound (outbound, internal), which are counted apart from the rejected.
Nothing is dropped: every row read is in `cl_calls`, loaded, left out or rejected with its reason.

SQL text here is assembled only from code: column positions (c0, c1, ...) the reader found and
constants defined in this package. Values from the file or the profile reach SQL as data (the
outcome and site mappings as small tables, the practice code as a $param).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from telephony.calllog.fields import FLAG_FALSE, FLAG_TRUE, INBOUND, LABELS
from telephony.calllog.outcomes import INDICATOR
from telephony.calllog.profile import Profile
from telephony.calllog.read import Layout
from telephony.formats import TIME_BANDS
from telephony.problems import FileProblem

EARLIEST_YEAR, LATEST_YEAR = 2000, 2099

# Band number from the minute of the day, from the published band starts ('08:00 - 09:59' -> 480).
BAND_STARTS = tuple(int(b[:2]) * 60 + int(b[3:5]) for b in TIME_BANDS)

_CLOCK = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f", "%I:%M:%S %p", "%I:%M %p")
_DAY_FIRST = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
_MONTH_FIRST = ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y")
_ISO = ("%Y-%m-%d", "%Y/%m/%d")


def date_formats(order: str) -> list[str]:
    return list((_DAY_FIRST if order == "dmy" else _MONTH_FIRST) + _ISO)


def datetime_formats(order: str) -> list[str]:
    return [f"{d} {t}" for d in date_formats(order) for t in _CLOCK] + [f"{d}T{t}" for d in _ISO for t in _CLOCK[:3]]


def _quoted(words) -> str:
    """A SQL list of fixed words from this package's own constants (never from a file)."""
    return ", ".join("'" + w.replace("'", "''") + "'" for w in sorted(words))


def _macros() -> str:
    band = " ".join(f"WHEN m < {nxt} THEN {i}" for i, nxt in enumerate(BAND_STARTS[1:]))
    return f"""
CREATE OR REPLACE TEMP MACRO cl_key(x) AS trim(regexp_replace(lower(x), '[^a-z0-9]+', ' ', 'g'));
CREATE OR REPLACE TEMP MACRO cl_seconds(x) AS CASE
    WHEN x IS NULL THEN 0
    WHEN regexp_full_match(x, '\\d+(\\.\\d+)?\\s*(?i:s|sec|secs|seconds)?')
        THEN round(regexp_extract(x, '^\\d+(\\.\\d+)?')::DOUBLE)::INTEGER
    WHEN regexp_full_match(x, '\\d+:\\d{{1,2}}(\\.\\d+)?')
        THEN round(split_part(x, ':', 1)::DOUBLE * 60 + split_part(x, ':', 2)::DOUBLE)::INTEGER
    WHEN regexp_full_match(x, '\\d+:\\d{{1,2}}:\\d{{1,2}}(\\.\\d+)?')
        THEN round(split_part(x, ':', 1)::DOUBLE * 3600 + split_part(x, ':', 2)::DOUBLE * 60
                   + split_part(x, ':', 3)::DOUBLE)::INTEGER
END;
CREATE OR REPLACE TEMP MACRO cl_flag(x) AS CASE
    WHEN x IS NULL THEN false
    WHEN cl_key(x) IN ({_quoted(FLAG_TRUE)}) THEN true
    WHEN cl_key(x) IN ({_quoted(FLAG_FALSE - {''})}) THEN false
END;
CREATE OR REPLACE TEMP MACRO cl_band(m) AS CASE {band} ELSE {len(BAND_STARTS) - 1} END;
"""


def positions(layout: Layout, profile: Profile) -> dict[str, int]:
    """field -> column position in this file; a mapped column the file lacks is a FileProblem."""
    out: dict[str, int] = {}
    for field, header in profile.columns.items():
        if not header:
            continue
        pos = layout.position(header)
        if pos is None:
            raise FileProblem(
                f"has no column '{header}', which the profile maps to '{LABELS[field]}' "
                f"(the file's columns: {', '.join(layout.headers)})")
        out[field] = pos
    return out


def register_mappings(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    """The profile's outcome and site mappings as small temp tables (data, not SQL), one row per
    normalised word. Inserted in bulk from Arrow: a profile may map 100,000 sites or words, and
    row-at-a-time inserts would take minutes. Words that normalise alike map alike (checked by
    Profile.validate), so any one of them stands for the rest."""
    for table, key, value, mapping in (("cl_outcomes", "word_key", "outcome", profile.outcomes),
                                       ("cl_sites", "site_key", "practice_code", profile.sites)):
        frame = pa.table({"k": pa.array(list(mapping), type=pa.string()),
                          "v": pa.array(list(mapping.values()), type=pa.string())})
        con.register("cl_mapping_arrow", frame)
        try:
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
                            SELECT cl_key(k) AS {key}, any_value(v) AS {value} FROM cl_mapping_arrow GROUP BY 1""")
        finally:
            con.unregister("cl_mapping_arrow")


def stage_calls(con: duckdb.DuckDBPyConnection, layout: Layout, profile: Profile, pos: dict[str, int]) -> None:
    """Build `cl_calls` from `cl_raw` (see the module docstring)."""
    con.execute(_macros())
    register_mappings(con, profile)

    def col(field: str) -> str:
        return f"c{pos[field]}" if field in pos else "NULL::VARCHAR"

    has = pos.__contains__
    if has("start"):
        # A trailing time zone ('Z', '+01:00') is dropped: times are read as UK local time.
        text = r"regexp_replace(start_text, '(?i)\s*(z|[+-]\d{2}:?\d{2})$', '')"
        day, clock = "NULL::DATE", "NULL::TIME"
        # The listed formats first: try_cast of a non-ISO text is several times slower.
        start = (r"CASE WHEN regexp_matches(start_text, '\d:\d\d') THEN "
                 f"coalesce(try_strptime(start_text, $dt_formats), try_strptime({text}, $dt_formats), "
                 f"try_cast({text} AS TIMESTAMP)) END")
        when_parts = [("start", r"""
            WHEN start_text IS NULL THEN 'no call start'
            WHEN NOT regexp_matches(start_text, '\d:\d\d') THEN '''' || start_text || ''' has no time of day'
            WHEN start_ts IS NULL THEN '''' || start_text || ''' is not a date and time (expected e.g. '
                 || $example || ')'""")]
    else:
        day = ("coalesce(try_strptime(date_text, $d_formats)::DATE, try_strptime(date_text, $dt_formats)::DATE, "
               "try_cast(date_text AS DATE), try_cast(date_text AS TIMESTAMP)::DATE)")
        clock = "coalesce(try_strptime(time_text, $t_formats)::TIME, try_cast(time_text AS TIME))"
        start = "day_val + clock_val"
        when_parts = [
            ("date", """
            WHEN date_text IS NULL THEN 'no call date'
            WHEN day_val IS NULL
                THEN '''' || date_text || ''' is not a date (expected e.g. ' || $date_example || ')'"""),
            ("time", """
            WHEN time_text IS NULL THEN 'no call time'
            WHEN clock_val IS NULL THEN '''' || time_text || ''' is not a time of day (expected e.g. 08:15:00)'"""),
        ]
    when_field = "start" if has("start") else "date"
    if has("site"):
        practice = "s.practice_code"
        site_join = "LEFT JOIN cl_sites s ON s.site_key = cl_key(r.site_text)"
        site_problem = """
            WHEN site_text IS NULL THEN 'no site: the practice of this call is not known'
            WHEN practice_code IS NULL THEN 'site ''' || site_text || ''' is not mapped to a practice code'"""
    else:
        practice, site_join, site_problem = "$practice", "", ""
    direction = f"cl_key(direction_text) IN ({_quoted(INBOUND)})" if has("direction") else "true"
    direction_problem = """
            WHEN direction_text IS NULL THEN 'no direction: only inbound calls count'""" if has("direction") else ""
    # Calls known not to be inbound (outbound, internal) are left out, not rejected: whatever else
    # is wrong with them, they would not count. So these checks come first.
    left_parts = [(name, body) for name, body in (
        ("direction", """
            WHEN direction_text IS NOT NULL AND NOT inbound THEN '''' || direction_text
                || ''' is not an inbound call; only external inbound calls count (CBT001)'""" if has("direction")
         else ""),
        ("outcome", """
            WHEN mapped = 'not_inbound'
                THEN '''' || outcome_text || ''' is mapped to ''not an inbound call'', so it is not counted'"""),
    ) if body]
    seconds = {f: (f"cl_seconds({f}_text)" if has(f) else "NULL::INTEGER") for f in ("wait", "talk")}
    flags = {f: (f"cl_flag({f}_text)" if has(f) else ("false" if f == "callback_requested" else "NULL::BOOLEAN"))
             for f in ("callback_requested", "callback_made")}
    indicator = " ".join(f"WHEN '{o}' THEN {i}" for o, i in INDICATOR.items())
    problem_parts = left_parts + when_parts + [
        ("direction", direction_problem),
        ("site", site_problem),
        ("outcome", """
            WHEN outcome_text IS NULL THEN 'no outcome: every call needs one'
            WHEN mapped IS NULL THEN '''' || outcome_text || ''' is not mapped to a national outcome'"""),
        ("wait", "WHEN wait_s IS NULL AND wait_text IS NOT NULL THEN '''' || wait_text || ''' is not a number of "
                 "seconds (or mm:ss, hh:mm:ss)'"),
        ("talk", "WHEN talk_s IS NULL AND talk_text IS NOT NULL THEN '''' || talk_text || ''' is not a number of "
                 "seconds (or mm:ss, hh:mm:ss)'"),
        ("callback_requested", "WHEN cb_req IS NULL THEN '''' || callback_requested_text || ''' is not yes or no'"),
        ("callback_made", "WHEN cb_made IS NULL AND callback_made_text IS NOT NULL THEN '''' || callback_made_text "
                          "|| ''' is not yes or no'"),
        (when_field, f"""
            WHEN year(start_ts) NOT BETWEEN {EARLIEST_YEAR} AND {LATEST_YEAR}
                THEN 'the call is dated ' || strftime(start_ts, '%d/%m/%Y')
                     || ', outside {EARLIEST_YEAR}-{LATEST_YEAR}'"""),
    ]
    problem_parts = [(name, body) for name, body in problem_parts if body.strip()]
    problem = "CASE " + " ".join(body for _, body in problem_parts) + " END"
    left_out = "CASE " + " ".join(body for _, body in left_parts) + " END IS NOT NULL"
    # Which field is at fault: the first check that fails, in the same order as the reasons.
    field_case = "CASE " + " ".join(
        f"WHEN (CASE {body} END) IS NOT NULL THEN '{name}'" for name, body in problem_parts) + " END"
    raw_case = """CASE problem_field
            WHEN 'start' THEN start_text WHEN 'date' THEN date_text WHEN 'time' THEN time_text
            WHEN 'direction' THEN direction_text WHEN 'site' THEN site_text WHEN 'outcome' THEN outcome_text
            WHEN 'wait' THEN wait_text WHEN 'talk' THEN talk_text
            WHEN 'callback_requested' THEN callback_requested_text WHEN 'callback_made' THEN callback_made_text END"""
    sql = f"""
    CREATE OR REPLACE TEMP TABLE cl_calls AS
    WITH r AS (
        SELECT rid, row_number, {col('start')} AS start_text, {col('date')} AS date_text,
               {col('time')} AS time_text, {col('site')} AS site_text, {col('outcome')} AS outcome_text,
               {col('wait')} AS wait_text, {col('talk')} AS talk_text,
               {col('callback_requested')} AS callback_requested_text,
               {col('callback_made')} AS callback_made_text, {col('caller')} AS caller_key,
               {col('direction')} AS direction_text, {col('call_id')} AS call_id
        FROM cl_raw
    ),
    t AS (
        SELECT r.*, {day} AS day_val, {clock} AS clock_val, {practice} AS practice_code, o.outcome AS mapped,
               {seconds['wait']} AS wait_s, {seconds['talk']} AS talk_s,
               {flags['callback_requested']} AS cb_req, {flags['callback_made']} AS cb_made,
               {direction} AS inbound
        FROM r LEFT JOIN cl_outcomes o ON o.word_key = cl_key(r.outcome_text) {site_join}
    ),
    ts AS (SELECT t.*, {start} AS start_ts FROM t),
    c AS (SELECT ts.*, {problem} AS problem, {left_out} AS left_out FROM ts),
    f AS (SELECT c.*, CASE WHEN problem IS NOT NULL THEN {field_case} END AS problem_field FROM c)
    SELECT rid, row_number, practice_code, start_ts, start_ts::DATE AS date,
           date_trunc('month', start_ts)::DATE AS month, isodow(start_ts)::UTINYINT AS weekday,
           cl_band(hour(start_ts) * 60 + minute(start_ts))::UTINYINT AS band,
           ((hour(start_ts) * 60 + minute(start_ts)) // 30)::UTINYINT AS slot,
           CASE WHEN cb_req THEN 5 ELSE CASE mapped {indicator} END END::UTINYINT AS outcome,
           wait_s, talk_s, coalesce(cb_made, false) AS cb_made, caller_key, call_id,
           problem, problem_field, left_out,
           CASE WHEN problem IS NOT NULL THEN left({raw_case}, 200) END AS raw
    FROM f
    """
    params: dict = {"practice": profile.practice} if not has("site") else {}
    if has("start"):
        params |= {"dt_formats": datetime_formats(profile.date_order),
                   "example": "03/08/2026 08:15" if profile.date_order == "dmy" else "08/03/2026 08:15"}
    else:
        params |= {"d_formats": date_formats(profile.date_order), "dt_formats": datetime_formats(profile.date_order),
                   "t_formats": list(_CLOCK),
                   "date_example": "03/08/2026" if profile.date_order == "dmy" else "08/03/2026"}
    con.execute(sql, params)
    if has("call_id"):
        _mark_repeated_ids(con)


def _mark_repeated_ids(con: duckdb.DuckDBPyConnection) -> None:
    """A call ID seen on an earlier row: the later row is rejected, never counted twice. Counted
    cheaply first; the row-by-row pass runs only if there are repeats."""
    repeats = con.execute("""SELECT count(call_id) - count(DISTINCT call_id) FROM cl_calls
                             WHERE problem IS NULL""").fetchall()[0][0]
    if not repeats:
        return
    con.execute(
        """UPDATE cl_calls SET problem = 'repeats row ' || d.first_row || ' (same call ID)',
                               problem_field = 'call_id', raw = left(cl_calls.call_id, 200)
           FROM (SELECT rid, min(row_number) OVER (PARTITION BY call_id) AS first_row,
                        row_number() OVER (PARTITION BY call_id ORDER BY rid) AS k
                 FROM cl_calls WHERE problem IS NULL AND call_id IS NOT NULL QUALIFY k > 1) d
           WHERE cl_calls.rid = d.rid"""
    )
