"""Files whose names, PCN names and headers are written to be read as Markdown, HTML, LaTeX or
Streamlit directives, each pointing at `host` (a listener the browser test watches): shown as
text, none of it may make the browser fetch anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import Geo, WbRow, WorkbookSpec, write_csv, write_summary_workbook

RLO, PDF = "\u202e", "\u202c"   # right-to-left override, pop directional formatting


def pcn_name(host: str) -> str:
    """One PCN name holding every construct: an image, bold, a colour directive, LaTeX, an HTML
    image, a Material icon, a bare web address and a right-to-left override."""
    return (f"![x](http://{host}/x.png) **bold** :red[red] $x^2$ <img src=http://{host}/y.png> "
            f":material/call: www.{host.split(':')[0]}.example {RLO}LIVE{PDF} PCN")


LONG_NAME = "THE VERY LONG NAME " * 12 + "PCN"      # 231 characters


def files(folder: Path, host: str) -> list[Path]:
    """A summary workbook (file name, PCN names hostile) and a CSV whose header is hostile (it
    fails, and its message quotes the header)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = pcn_name(host)
    geos = [Geo("Y61", "QHG", "M1J4Y", "U11111", code, f"PRACTICE {code}", name)
            for code in ("A11111", "A11112", "A11113")]
    geos.append(Geo("Y61", "QHG", "M1J4Y", "U22222", "A22221", "PRACTICE A22221", LONG_NAME))
    # Enough PCNs for the Context page to draw its bands (5 or more).
    geos += [Geo("Y61", "QHG", "M1J4Y", f"U3333{i}", f"A3333{i}", f"PRACTICE A3333{i}", f"OTHER {i} PCN")
             for i in range(1, 5)]
    spec = WorkbookSpec(dt.date(2026, 1, 1), [WbRow(g, 100, 60, 20, 10, 10, 5, answered_wait=(30, 20, 5, 5),
                                                    answered_duration=(20, 20, 10, 10),
                                                    missed_wait=(5, 3, 1, 1)) for g in geos])
    workbook = write_summary_workbook(folder / f"![f](http:{host}) **f** :blue[f] $f$.xlsx", spec)
    bad = write_csv(folder / f"<img src=http:{host}> bad.csv",
                    [f"![h](http://{host}/h.png)", ":red[h]", "$h$"], [["1", "2", "3"]])
    return [workbook, bad]


# Substrings that would mean a construct was left for Markdown, HTML or LaTeX to interpret.
RAW = ("![", "**bold**", ":red[", "$x^2$", "<img", ":material/call:", ":blue[", RLO, PDF)
