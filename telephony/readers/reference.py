"""Reference files: list sizes, the practice-to-PCN mapping file and ODS ePCN.xlsx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
from telephony import limits
from telephony.formats import normalise_header
from telephony.problems import FileProblem
from telephony.isolate import run_isolated
from telephony.readers.xlsx_guard import check_workbook
from telephony.readers.sniff import (CsvShape, open_workbook, scan_text, scratch_dir, sheet_rows, too_long_problem,
                                     with_utf8)
from telephony.report import LoadReport


def _read_text_csv(con: duckdb.DuckDBPyConnection, path, shape: CsvShape) -> pd.DataFrame:
    """A small reference CSV as text columns named by the sniffer's canonical names. Quoted
    fields may hold line breaks (a practice name over two lines, say), as valid CSV allows."""
    facts = scan_text(Path(path))
    if facts.long_line is not None:
        raise too_long_problem(facts)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(shape.header))) + "}"
    # DuckDB's parallel reader refuses quoted line breaks with null padding on: such a file is
    # read by one thread.
    frame = with_utf8(
        lambda paths: con.execute(
            "SELECT * FROM read_csv($paths, header = false, skip = 1, delim = $delim, quote = '\"', "
            f"escape = '\"', encoding = 'utf-8', columns = {columns}, null_padding = true, auto_detect = false, "
            f"max_line_size = {limits.MAX_ROW_BYTES:d}, parallel = {str(not facts.multiline).lower()})",
            {"paths": paths, "delim": shape.delimiter},
        ).df(),
        [str(path)], shape.encoding, scratch_dir(con), frozenset([str(path)] if facts.utf8 else []),
    )
    names = {f"c{pos}": name for name, pos in shape.columns.items()}
    frame = frame.rename(columns=names)[list(names.values())]
    frame.insert(0, "_row", range(2, len(frame) + 2))
    return frame.fillna("").apply(
        lambda col: col.str.strip() if col.dtype == object or str(col.dtype) == "str" else col)


def _reject(con, source_id: int, location: str, rows: pd.DataFrame, column: str, reason: str, raw: str) -> None:
    if rows.empty:
        return
    frame = pd.DataFrame({"row_number": rows["_row"], "raw": rows[raw] if raw in rows else ""})
    con.register("ref_rej", frame)
    con.execute(
        "INSERT INTO rejects SELECT $s, $loc, row_number, $col, $reason, raw FROM ref_rej",
        {"s": source_id, "loc": location, "col": column, "reason": reason},
    )
    con.unregister("ref_rej")


def load_list_sizes(con, path, shape: CsvShape, source_id: int, report: LoadReport) -> None:
    """'Patients Registered at a GP Practice' totals: rows with SEX=ALL and AGE=ALL."""
    frame = _read_text_csv(con, path, shape)
    report.rows_read = len(frame)
    for col in ("sex", "age"):
        if col in frame:
            frame = frame[frame[col].str.upper() == "ALL"]
    if "type" in frame:
        frame = frame[frame["type"].str.upper().isin(["GP", ""])]
    if "extract_date" not in frame:
        raise FileProblem("has no EXTRACT_DATE column, so the date of the list sizes is unknown")
    frame = frame.assign(
        extract_date=pd.to_datetime(frame["extract_date"], errors="coerce", format="mixed", dayfirst=False),
        patients=pd.to_numeric(frame["number_of_patients"], errors="coerce"),
    )
    bad_date = frame[frame["extract_date"].isna()]
    whole = ((frame["patients"] >= 0) & (frame["patients"] == frame["patients"].round())
             & (frame["patients"] <= 2_147_483_647))
    bad_count = frame[frame["extract_date"].notna() & ~whole]
    _reject(con, source_id, report.file_name, bad_date, "EXTRACT_DATE", "is not a date (expected YYYY-MM-DD)",
            "extract_date")
    _reject(con, source_id, report.file_name, bad_count, "NUMBER_OF_PATIENTS",
            "is not a whole number of patients", "number_of_patients")
    good = frame[frame["extract_date"].notna() & whole]
    good = good.assign(extract_date=good["extract_date"].dt.date, patients=good["patients"].astype("int64"))
    good = good.drop_duplicates(["code", "extract_date"], keep="last")
    con.register("ls_df", good[["code", "extract_date", "patients"]])
    con.execute("INSERT OR REPLACE INTO list_sizes SELECT code, extract_date, patients, $s FROM ls_df",
                {"s": source_id})
    con.unregister("ls_df")
    report.rows_loaded = len(good)
    report.practices = int(good["code"].nunique())
    report.months = sorted({f"{d:%Y-%m}" for d in good["extract_date"]})
    report.notes.append(
        f"list sizes for {report.practices:,} practices; {report.rows_read - len(frame):,} rows by sex or age "
        "were not needed (only SEX=ALL, AGE=ALL totals are used)"
    )


def save_names(con, level: str, frame: pd.DataFrame, code: str, name: str, source_id: int) -> None:
    """Record the names of `level` organisations found in `frame` (newest file wins)."""
    if code not in frame or name not in frame:
        return
    names = frame[[code, name]].rename(columns={code: "code", name: "name"})
    names = names[(names["code"] != "") & (names["name"] != "")].drop_duplicates("code", keep="last")
    con.register("ref_names", names)
    con.execute("INSERT OR REPLACE INTO org_names SELECT $level, code, name, $s FROM ref_names",
                {"level": level, "s": source_id})
    con.unregister("ref_names")


def _membership(con, frame: pd.DataFrame, source_id: int, replace_kind: str) -> None:
    """Replace the membership given by earlier files of the same kind with this file's."""
    con.execute(
        "DELETE FROM pcn_membership WHERE source_id IN (SELECT source_id FROM sources WHERE kind = $k)",
        {"k": replace_kind},
    )
    con.register("mem_df", frame[["practice_code", "pcn_code", "valid_from", "valid_to"]])
    con.execute(
        "INSERT INTO pcn_membership SELECT practice_code, pcn_code, valid_from, valid_to, $s FROM mem_df",
        {"s": source_id},
    )
    con.unregister("mem_df")


def load_practice_map(con, path, shape: CsvShape, source_id: int, report: LoadReport) -> None:
    """gp-reg-pat-prac-map: practice -> PCN -> sub-ICB -> ICB -> region, with names."""
    frame = _read_text_csv(con, path, shape)
    report.rows_read = len(frame)
    empty = frame[(frame["practice_code"] == "") | (frame["pcn_code"] == "")]
    _reject(con, source_id, report.file_name, empty, "PRACTICE_CODE", "practice or PCN code is empty",
            "practice_code")
    good = frame.drop(empty.index)
    save_names(con, "practice", good, "practice_code", "practice_name", source_id)
    save_names(con, "pcn", good, "pcn_code", "pcn_name", source_id)
    save_names(con, "sub_icb", good, "sub_icb_location_code", "sub_icb_location_name", source_id)
    save_names(con, "icb", good, "icb_code", "icb_name", source_id)
    save_names(con, "region", good, "comm_region_code", "comm_region_name", source_id)
    member = good.assign(valid_from=None, valid_to=None)
    _membership(con, member, source_id, "practice_map")
    report.rows_loaded = len(good)
    report.practices = int(good["practice_code"].nunique())
    report.pcns = int(good["pcn_code"].nunique())
    if "extract_date" in good and len(good):
        report.months = sorted({str(d)[:7] for d in good["extract_date"] if d})


def _yyyymmdd(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().split(".")[0]
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _cell(row: list, j: int | None):
    return row[j] if j is not None and j < len(row) else ""


def epcn_rows(path) -> tuple[str, list[list]]:
    """The sheet 'PCN Core Partner Details' of an ePCN.xlsx: its name as written, and its cells."""
    check_workbook(path)
    book = open_workbook(path)
    sheet = next(s for s in book.sheet_names if normalise_header(s) == "pcn core partner details")
    return sheet, sheet_rows(book, sheet)


def load_epcn(con, path, source_id: int, report: LoadReport) -> None:
    """ODS ePCN.xlsx, sheet 'PCN Core Partner Details'."""
    # Read in a child process with a memory cap, behind the declared-extent check (as workbooks are).
    sheet, rows = run_isolated(epcn_rows, path)
    header_at = next((i for i, r in enumerate(rows[:20])
                      if any(normalise_header(c) == "pcn code" for c in r)), None)
    if header_at is None:
        raise FileProblem(f"sheet '{sheet}' has no 'PCN Code' header in its first 20 rows")
    header = [normalise_header(c) for c in rows[header_at]]

    def col(*words: str) -> int:
        for j, h in enumerate(header):
            if all(w in h for w in words):
                return j
        raise FileProblem(f"sheet '{sheet}' has no column whose header contains {' '.join(words)!r}")

    c_practice, c_pcn = col("partner", "organisation", "code"), col("pcn code")
    c_name = col("pcn name")
    c_end = col("end date")
    try:
        c_start = col("start date")
    except FileProblem:
        c_start = None
    records = []
    for i, r in enumerate(rows[header_at + 1:], start=header_at + 2):
        code = str(_cell(r, c_practice)).strip()
        pcn = str(_cell(r, c_pcn)).strip()
        if not code and not pcn:
            continue
        records.append({
            "_row": i, "practice_code": code, "pcn_code": pcn, "pcn_name": str(_cell(r, c_name)).strip(),
            "valid_from": _yyyymmdd(_cell(r, c_start)) if c_start is not None else None,
            "valid_to": _yyyymmdd(_cell(r, c_end)),
        })
    frame = pd.DataFrame(records, columns=["_row", "practice_code", "pcn_code", "pcn_name", "valid_from", "valid_to"])
    report.rows_read = len(frame)
    empty = frame[(frame["practice_code"] == "") | (frame["pcn_code"] == "")]
    _reject(con, source_id, sheet, empty, "Partner Organisation Code", "practice or PCN code is empty",
            "practice_code")
    good = frame.drop(empty.index)
    save_names(con, "pcn", good, "pcn_code", "pcn_name", source_id)
    _membership(con, good, source_id, "epcn")
    report.rows_loaded = len(good)
    report.practices = int(good["practice_code"].nunique())
    report.pcns = int(good["pcn_code"].nunique())
