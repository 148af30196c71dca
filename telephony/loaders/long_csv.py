"""Loader for the practice-level CSVs of the three families (By Day and Time, By Durations,
Calls Answered Metric), one file at a time or as a zip of them.

A zip is checked on the sizes it declares before anything is expanded, then its members expand
in parallel (telephony.limits has the caps). Members of one family and header are staged
together by telephony.readers.csv_long, then written to the daily tables, the monthly summary
of the units they cover and `coverage`, after replacing any earlier file's rows for the same
unit-months (telephony.model).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import tempfile
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
from zlib_ng import zlib_ng

from telephony import limits, model, queries
from telephony.formats import SHARED_ACCOUNT
from telephony.problems import FileProblem, first_line
from telephony.readers import csv_long
from telephony.readers.sniff import CsvShape, Detected, TextCheck, TextFacts
from telephony.report import LoadReport


def load(ctx, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
    """Load one CSV of the three families, or a zip of them (`ctx`: a
    telephony.loaders.LoadContext)."""
    if detected.kind == "csv_zip":
        _load_zip(ctx, path, detected, source_id, report)
    else:
        _load_members(ctx, [(path.name, path, detected.shape)], source_id, report)


def _load_zip(ctx, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
    with tempfile.TemporaryDirectory(dir=ctx.temp_dir) as tmp:
        total = 0
        for info in detected.infos:   # guard on the sizes the zip declares, before expanding
            ratio = info.file_size / max(info.compress_size, 1)
            total += info.file_size
            if (info.file_size > limits.MAX_MEMBER_BYTES or total > limits.MAX_ZIP_BYTES
                    or ratio > limits.MAX_RATIO):
                raise FileProblem(
                    f"holds '{info.filename}', which would expand to {limits.size_text(info.file_size)} "
                    f"({ratio:,.0f} times its compressed size). Not expanded: {limits.zip_limits_text()} "
                    "(see Limits in the README)"
                )
        names = _member_names(detected.infos)
        for name, info in zip(names, detected.infos):
            if name != info.filename:
                report.notes.append(
                    f"the zip holds more than one file named '{info.filename}'; each was read (this one is "
                    f"called '{name}' in this report). Rows that repeat an earlier file's are rejected as repeats")
        targets = [Path(tmp) / f"member_{i}.csv" for i in range(len(detected.infos))]
        ctx.progress(0.1, f"Expanding {len(targets)} CSV file(s) from the zip")
        # Inflating releases the GIL: members expand in parallel, each through its own handle.
        # Each is expanded from its own zip entry, never looked up by name (two may share one).
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            facts = list(pool.map(lambda job: _extract(path, job[0], job[1]), zip(detected.infos, targets)))
        members = [(name, target, shape) for name, (_, shape), target in zip(names, detected.members, targets)]
        kinds = {shape.kind for _, _, shape in members}
        report.kind = kinds.pop() if len(kinds) == 1 else "csv_zip"
        for skipped in detected.skipped:
            report.notes.append(f"zip member {skipped} was not read")
        _load_members(ctx, members, source_id, report, facts={str(t): f for t, f in zip(targets, facts)})


def _load_members(ctx, members: list[tuple[str, Path, CsvShape]], source_id: int,
                  report: LoadReport, facts=None) -> None:
    """Load CSVs of the three families (`members`: name to report, path, shape). `facts`: the
    TextFacts of paths already scanned (zip members, as they were expanded)."""
    con = ctx.con
    months: set[dt.date] = set()
    groups: dict[tuple, list[tuple[str, Path]]] = {}
    shapes: dict[tuple, CsvShape] = {}
    for name, member_path, shape in members:
        if shape.kind not in csv_long.FAMILY_COLUMNS:
            raise FileProblem(f"holds '{name}', a {shape.kind} file; zips should hold practice-level CSVs only")
        group = (shape.kind, tuple(shape.header), shape.delimiter, shape.encoding)
        groups.setdefault(group, []).append((name, member_path))
        shapes[group] = shape
    for i, (group, files) in enumerate(groups.items()):
        shape = shapes[group]
        ctx.progress(0.2 + 0.65 * i / len(groups), f"Reading and checking every row of {len(files)} CSV file(s)")
        try:
            staged = csv_long.stage(con, {str(p): n for n, p in files}, shape, shape.kind, "stg",
                                    temp_dir=ctx.temp_dir, facts=facts)
        except FileProblem as exc:
            in_zip = any(n != p.name for n, p in files)
            if not in_zip:
                raise
            names = ", ".join(f"'{n}'" for n, _ in files)
            verb = "which" if len(files) == 1 else "which together"
            raise FileProblem(f"holds {names}, {verb} {exc}") from exc
        report.rows_read += staged.rows_read
        report.rows_loaded += staged.rows_read - staged.rows_rejected
        months.add(staged.month)
        family = {"by_day_time": "by_day_time"}.get(shape.kind) or csv_long.BUCKET_FAMILY[shape.kind]
        con.execute("CREATE OR REPLACE TEMP TABLE stg_geos AS SELECT DISTINCT geo FROM stg_sums")
        model.intern_units(
            con,
            """SELECT c.codes.practice_code AS practice_code, c.codes.pcn_code AS pcn_code,
                      c.codes.sub_icb_code AS sub_icb_code, c.codes.icb_code AS icb_code,
                      c.codes.region_code AS region_code
               FROM stg_codes c SEMI JOIN stg_geos g USING (geo)""",
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE stg_cov AS
               SELECT $month::DATE AS month, u.unit_id FROM stg_geos g JOIN units u ON u.geo_key = g.geo""",
            {"month": staged.month},
        )
        # Rows of another region's CSV in the same zip are new units, not overlaps.
        model.replace_overlaps(con, family, "stg_cov", report)
        if family == "by_day_time":
            # In unit order (units are numbered in code order, model.intern_units): a page's
            # query for one PCN reads only the row groups holding its practices.
            con.execute(
                """INSERT INTO calls_by_band
                   SELECT s.day, u.unit_id, s.ind, s.band, s.value, $s
                   FROM stg s JOIN units u ON u.geo_key = s.geo WHERE s.value IS NOT NULL
                   ORDER BY u.unit_id""",
                {"s": source_id},
            )
            # The monthly summary of the units this file covers, from the staged sums.
            con.execute(
                """CREATE OR REPLACE TEMP TABLE band_sums AS
                   SELECT $month::DATE AS month, u.unit_id, s.ind AS indicator, sum(s.value) AS value
                   FROM stg_sums s JOIN units u ON u.geo_key = s.geo GROUP BY ALL""",
                {"month": staged.month},
            )
            summary = "band_month"
        else:
            con.execute(
                """CREATE OR REPLACE TEMP TABLE new_buckets AS
                   SELECT $family AS family, bucket, lo, hi, wait_band FROM stg_buckets WHERE problem IS NULL""",
                {"family": family},
            )
            queries.run_load_step(con, "intern_buckets")
            con.execute(
                """INSERT INTO bucket_counts
                   WITH ids AS (
                       SELECT b.token, k.bucket_id
                       FROM stg_buckets b JOIN buckets k ON k.family = $family AND k.bucket = b.bucket)
                   SELECT s.day, u.unit_id, i.bucket_id, s.ind, s.core, s.value, $s
                   FROM stg s JOIN units u ON u.geo_key = s.geo JOIN ids i ON i.token = s.token
                   WHERE s.value IS NOT NULL""",
                {"s": source_id, "family": family},
            )
            con.execute(
                """CREATE OR REPLACE TEMP TABLE bucket_sums AS
                   SELECT $month::DATE AS month, u.unit_id, $family AS family, s.ind AS indicator, b.wait_band,
                          sum(s.value) AS value
                   FROM stg_sums s JOIN stg_buckets b ON b.token = s.token JOIN units u ON u.geo_key = s.geo
                   GROUP BY ALL""",
                {"month": staged.month, "family": family},
            )
            con.execute("DROP TABLE new_buckets")
            summary = "bucket_month"
        model.upsert_summary(con, summary)
        con.execute(
            "INSERT INTO coverage SELECT $family, month, unit_id, $s FROM stg_cov",
            {"family": family, "s": source_id},
        )
        _account_for_rows(con, family, staged.month, report)
        con.execute(
            """INSERT INTO rejects SELECT $s, member, row_number, problem_column, problem, raw
               FROM stg_rejects""",
            {"s": source_id},
        )
        for name in ("stg_cov", "stg_geos", "stg_codes", "stg_problems", "stg_rejects", "stg_buckets",
                     "stg_sums", "stg_files", "stg"):
            con.execute(f"DROP TABLE {name}")
    ctx.progress(0.9, "Summarising by month and reconciling")
    # Only By Day and Time changes calls_by_band, and so the ICB and England band sums.
    kinds = {shape.kind for shape in shapes.values()}
    model.refresh_summaries(con, sorted(months), tables=(), bands="by_day_time" in kinds)
    # Only those two families are compared: a Calls Answered Metric file changes neither side,
    # so loading one would only repeat the check (two scans of the month's daily rows).
    if kinds & {"by_day_time", "by_durations"}:
        model.reconcile_daily(con, sorted(months), report)
    model.record_reconciliation(con, source_id, report)
    report.months = [f"{m:%Y-%m}" for m in sorted(months)]
    stats = con.execute(
        """SELECT count(DISTINCT u.practice_code) FILTER (WHERE u.practice_code <> $shared),
                  count(DISTINCT u.pcn_code) FILTER (WHERE regexp_full_match(u.pcn_code, 'U\\d{5}'))
           FROM coverage c JOIN units u USING (unit_id) WHERE c.source_id = $s""",
        {"s": source_id, "shared": SHARED_ACCOUNT},
    ).fetchall()[0]
    report.practices, report.pcns = int(stats[0]), int(stats[1])
    model.note_list_size_matches(con, report, source_id)


def _account_for_rows(con: duckdb.DuckDBPyConnection, family: str, month: dt.date, report: LoadReport) -> None:
    """Say in the report what becomes of loaded rows that no figure shows on its own, from
    the staged file (`stg*` tables): checks where rows restate others (CBT003 beside CBT007,
    an indicator's TOTAL beside its buckets), notes naming rows that are in no figure at all."""
    label = {"by_day_time": "By Day and Time", "durations": "By Durations",
             "answered_wait": "Calls Answered Metric"}[family]
    # Each unit's count per indicator, TOTAL rows where it has any, else its buckets (as
    # queries/load/bucket_month_upsert.sql counts them), with both sums kept for the check.
    if family == "by_day_time":
        per_ind = "SELECT geo, ind, sum(value) AS total, NULL::HUGEINT AS buckets FROM stg_sums GROUP BY ALL"
    else:
        per_ind = """SELECT s.geo, s.ind, sum(s.value) FILTER (WHERE b.wait_band IS NULL) AS total,
                          sum(s.value) FILTER (WHERE b.wait_band IS NOT NULL) AS buckets
                   FROM stg_sums s JOIN stg_buckets b USING (token) GROUP BY ALL"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg_ind AS SELECT *, coalesce(total, buckets) AS calls FROM ({per_ind})")
    if family != "answered_wait":
        # CBT007 gives answered calls where published (as NHS England's workbook does); CBT003,
        # which should equal it, is then checked against it.
        n, c3, c7 = con.execute(
            """SELECT count(*), sum(a.calls), sum(b.calls) FROM stg_ind a JOIN stg_ind b USING (geo)
               WHERE a.ind = 3 AND b.ind = 7""").fetchall()[0]
        if n:
            report.reconciliation.append({
                "check": f"{month:%B %Y}: {label} answered calls, CBT003 equals CBT007 ({n:,} practices and "
                         "shared accounts with both; answered calls are taken from CBT007)",
                "expected": float(c3), "actual": float(c7), "ok": c3 == c7})
        for ind, n, total, buckets in con.execute(
                """SELECT ind, count(*), sum(total), sum(buckets) FROM stg_ind
                   WHERE total IS NOT NULL AND buckets IS NOT NULL GROUP BY ind ORDER BY ind""").fetchall():
            report.reconciliation.append({
                "check": f"{month:%B %Y}: {label} CBT00{ind} TOTAL rows equal the sum of its buckets ({n:,} "
                         "practices and shared accounts with both; counts are taken from TOTAL)",
                "expected": float(total), "actual": float(buckets), "ok": total == buckets})
    if family == "answered_wait":
        # Calls Answered Metric gives answered waits: CBT003 by bucket. Anything else is in no figure.
        for member, ind, token, n in con.execute(
                """SELECT f.member, s.ind, s.token, count(*) FROM stg s JOIN stg_files f USING (file)
                   JOIN stg_buckets b USING (token)
                   WHERE s.value IS NOT NULL AND (s.ind <> 3 OR b.wait_band IS NULL)
                   GROUP BY ALL ORDER BY ALL""").fetchall():
            report.notes.append(
                f"{n:,} rows of '{member}' (CBT00{ind}, Wait_Time '{token}') were loaded but are in "
                "no figure: a Calls Answered Metric file gives answered calls (CBT003) by wait bucket, and the "
                "other figures come from By Day and Time and By Durations")
        replaced = con.execute(
            """SELECT count(*), list(DISTINCT s.file_name ORDER BY s.file_name) FROM stg_cov c
               JOIN bucket_month k USING (month, unit_id)
               JOIN coverage d ON d.family = 'durations' AND d.month = c.month AND d.unit_id = c.unit_id
               JOIN sources s ON s.source_id = d.source_id
               WHERE k.durations_answered_wait_0 IS NOT NULL""").fetchall()[0]
        if replaced[0]:
            report.notes.append(
                f"{replaced[0]:,} practice-months had answered waits from By Durations' CBT003 wait buckets "
                f"({', '.join(repr(n) for n in replaced[1])}); this file's answered waits replace them, and those rows "
                "are now in no figure")
    elif family == "durations":
        unused = con.execute(
            """SELECT f.member, count(*), count(DISTINCT s.geo) FROM stg s JOIN stg_files f USING (file)
               JOIN stg_buckets b USING (token)
               JOIN units u ON u.geo_key = s.geo
               JOIN coverage c ON c.family = 'answered_wait' AND c.month = $m AND c.unit_id = u.unit_id
               WHERE s.value IS NOT NULL AND s.ind = 3 AND b.wait_band IS NOT NULL
               GROUP BY ALL ORDER BY ALL""", {"m": month}).fetchall()
        for member, n, units in unused:
            report.notes.append(
                f"{n:,} rows of '{member}' (CBT003 by wait bucket, {units:,} practices and shared accounts) are in "
                "no figure: a Calls Answered Metric file loaded for the same months gives their answered waits, "
                "which are never counted twice")
    con.execute("DROP TABLE stg_ind")


def _extract(zip_path: Path, info: zipfile.ZipInfo, target: Path) -> TextFacts:
    """Expand one zip member (its entry `info`) to disk, stopping at its declared size (which was
    checked against the limits) or the per-member limit, whatever the data turns out to hold.
    Returns its TextFacts (UTF-8 or not, lines, quoted line breaks, rows too long), found on the
    way, so the file need not be read again for them.

    Deflated members (every published zip) are inflated with zlib-ng, about 2.5 times faster
    than the standard library's zlib; anything else goes through `zipfile`."""
    name, declared = info.filename, info.file_size
    cap = min(declared, limits.MAX_MEMBER_BYTES)
    check = TextCheck()
    copied = 0

    def write(dst, block: bytes) -> None:
        nonlocal copied
        check.feed(block)
        copied += len(block)
        if copied > cap:
            raise FileProblem(
                f"holds '{name}', which expands past {limits.size_text(cap)}"
                + (" (more than the zip says it holds: the zip is damaged or crafted)"
                   if cap == declared else
                   " (the limit per CSV; see Limits in the README)"))
        dst.write(block)

    try:
        with zipfile.ZipFile(zip_path) as zf, open(target, "wb") as dst:
            if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:   # not encrypted
                _inflate(zip_path, info, lambda block: write(dst, block))
            else:
                with zf.open(info) as src:
                    while block := src.read(1 << 20):
                        write(dst, block)
    except (zipfile.BadZipFile, zlib.error, zlib_ng.error, EOFError, NotImplementedError, RuntimeError,
            struct.error) as exc:
        raise FileProblem(f"holds '{name}', which is damaged or cannot be unpacked ({first_line(exc)})") from exc
    return check.done()


def _member_names(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Each member's name for reports: its own, or, for the second and later of several
    entries of one name, the name with '(2nd copy)', '(3rd copy)'... after it."""
    seen: dict[str, int] = {}
    names = []
    for info in infos:
        n = seen[info.filename] = seen.get(info.filename, 0) + 1
        ordinal = {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
        names.append(info.filename if n == 1 else f"{info.filename} ({ordinal} copy)")
    return names


def _inflate(zip_path: Path, info: zipfile.ZipInfo, write) -> None:
    """Inflate one deflated member, passing blocks of at most 4 MB to `write` (so a member that
    expands far past what it declares is stopped there, never held whole), and check its CRC-32
    and size as `zipfile` would."""
    with open(zip_path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        inflater = zlib_ng.decompressobj(-15)
        left, crc, size, pending = info.compress_size, 0, 0, b""
        while not inflater.eof:
            if not pending and left > 0:
                pending = fh.read(min(left, 1 << 20))
                if not pending:
                    raise EOFError("the zip ends inside this member")
                left -= len(pending)
            block = inflater.decompress(pending, 1 << 22)
            pending = inflater.unconsumed_tail
            if block:
                crc = zlib_ng.crc32(block, crc)
                size += len(block)
                write(block)
            elif not pending and left <= 0:
                break   # all input read and nothing more comes out (an output cut at 4 MB is asked again)
        if not inflater.eof:
            raise zipfile.BadZipFile("the member's compressed data ends early")
    if crc != info.CRC or size != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")
