"""Limits on what the app will read (README, "Limits"), and how to say them.

Read as module attributes at the moment they are checked (`limits.MAX_RATIO`, never
`from telephony.limits import MAX_RATIO`), so a test can lower one with monkeypatch instead of
writing gigabytes. The upload cap itself is Streamlit's `server.maxUploadSize`
(.streamlit/config.toml); the app states it next to the uploader.
"""

from __future__ import annotations

KB = 1024
MB = 1024 * KB
GB = 1024 * MB

MAX_FILE_BYTES = 2 * GB          # one file given to the store (the CLI has no upload cap)
MAX_MEMBER_BYTES = 2 * GB        # one CSV inside a zip, uncompressed
MAX_ZIP_BYTES = 8 * GB           # all CSVs inside a zip, uncompressed
MAX_RATIO = 200                  # uncompressed / compressed, per zip member (decompression bombs)
MAX_ZIP_MEMBERS = 1000           # entries in a zip or workbook (a published zip holds 8 CSVs)
MAX_WORKBOOK_BYTES = 1 * GB      # all parts of an .xlsx, uncompressed (a national one is ~16 MB)
# One CSV row (a published row is under 200 bytes). DuckDB's CSV reader stops at its
# max_line_size, which the readers set to this; a longer row is named before DuckDB reads the file.
MAX_ROW_BYTES = 2 * MB
# A session's uploads are held in memory (fastest to load and query) until the next file could
# take them past this; the store then moves to a database file in the session's folder. A
# national month of the three CSV zips takes about 350 MB in memory, so about three months fit.
MEMORY_STORE_BYTES = 1 * GB


def size_text(n: float) -> str:
    """A byte count as people write it: '950 bytes', '12 KB', '1.5 MB', '2 GB' (1 KB = 1,024 bytes)."""
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= size:
            value = n / size
            text = f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"
            return f"{text} {unit}"
    return f"{int(n):,} bytes"


def zip_limits_text() -> str:
    """The decompression limits in one phrase, for messages and the UI."""
    return (f"a zip may expand to at most {size_text(MAX_ZIP_BYTES)} in all, {size_text(MAX_MEMBER_BYTES)} "
            f"per CSV, and no file inside it to more than {MAX_RATIO} times its compressed size")

# What one sheet of a workbook may span, checked from its XML before the workbook reader lays it
# out (calamine builds a full grid from the first cell to the last, about 32 bytes a cell).
# A national Publication Summary's largest table has about 5,000 rows and 25 columns; ePCN about
# 10,000 rows. The margins are wide; a file past them is damaged or made to exhaust memory.
MAX_SHEET_ROWS = 200_000
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 20_000_000     # rows x columns of one sheet's grid (about 640 MB in calamine)
MAX_SHARED_STRINGS = 5_000_000   # entries a workbook's shared-string table declares (a real one: 12,000)
# The workbook reader runs in a child process (telephony.isolate) with this much address space
# beyond what it starts with, and this long, so no file can take the server down with it. A
# national workbook reads in under 3 s even on a busy 2-core machine: 2 minutes is a wide margin,
# and no user is left waiting long on a file that hangs the reader.
READER_MEMORY_BYTES = 4 * GB
# DuckDB's memory while writing a library (fetch, load --library, the app's Get button). Without
# a cap it keeps up to 80% of the machine's memory in its buffers while loading month after
# month; past the cap it works through its temporary folder, a little slower, and the app beside
# it keeps room.
LIBRARY_WRITER_MEMORY = "1GB"
READER_SECONDS = 120
