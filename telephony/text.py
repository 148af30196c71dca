"""Text from files shown as text: names, file names, headers and outcome words never act as
Markdown, HTML, LaTeX or Streamlit directives, and never carry bidirectional controls.

One place for it, so every page, chart and download treats file-derived text the same way:
  * `clean`: drop bidirectional and other control characters (a name can otherwise reorder the
    text around it on screen), whitespace runs become one space;
  * `shorten`: very long names cut to a length, with an ellipsis (the caller shows the full name
    on hover);
  * `md`: for anything Streamlit renders as Markdown (st.markdown, captions, titles, alerts,
    expander and button labels, help tooltips);
  * `plotly`: for Plotly titles, subtitles, legend names, hover text and annotations, which
    Plotly reads as a small HTML dialect;
  * `plain`: Plotly text back to plain text (download comment lines hold no `<br>`);
  * `csv_cell` / `csv_frame`: downloads safe to open in a spreadsheet (OWASP CSV injection).
No Streamlit here: the CLI and tests use it too.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

# Bidirectional embeddings, overrides and isolates, and the directional marks.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SPACE = re.compile(r"\s+")

# Characters CommonMark, GitHub-flavoured Markdown and Streamlit's own extensions give meaning to:
# emphasis, code, links and images, raw HTML and entities, headings, list and quote markers,
# tables, LaTeX ($), and Streamlit's :color[...] / :material/icon: / :emoji: directives.
# CommonMark lets any ASCII punctuation be backslash-escaped and shows it as itself.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&=^\"])")
# GitHub-flavoured Markdown (as Streamlit renders it) turns a bare web or e-mail address into a
# link whatever is escaped: it looks for them in the text after parsing. A word joiner (invisible,
# zero width) inside "http:", "www." and after "@" keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(?<=h)(?=ttps?:)|(?<=www)(?=\.)|(?<=@)(?=[\w-])")
WORD_JOINER = "\u2060"

ELLIPSIS = "…"
LONG = 80   # characters of a name shown before it is shortened (full name on hover)

# OWASP CSV injection: a spreadsheet treats a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def clean(value) -> str:
    """`value` as one line of text: bidirectional and other control characters removed,
    whitespace runs (tabs, newlines) made single spaces, ends stripped."""
    if value is None:
        return ""
    text = str(value)
    text = "".join(" " if ch.isspace() else ch for ch in text
                   if ch not in BIDI and (ch.isspace() or unicodedata.category(ch) != "Cc"))
    return _SPACE.sub(" ", text).strip()


def shorten(value, n: int = LONG) -> str:
    """`clean(value)` cut to at most `n` characters, ending in an ellipsis when cut."""
    text = clean(value)
    if len(text) <= n:
        return text
    return text[: max(n - 1, 0)].rstrip() + ELLIPSIS


def md(value) -> str:
    """`clean(value)` escaped so that Streamlit's Markdown shows it exactly as written."""
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, clean(value)))


def plotly(value) -> str:
    """`clean(value)` escaped for Plotly text (titles, legend names, hover, annotations): no tag
    such as <a> or <b> takes effect, and a `$` cannot start LaTeX."""
    return html.escape(clean(value), quote=False).replace("$", "&#36;")


_TAG = re.compile(r"<[^>]*>")


def plain(plotly_text) -> str:
    """Plotly text (ours: `<br>` line breaks, `<b>`, entities) as plain text on one line."""
    # A break charts.wrap made to fit the width is a space; a break of the text's own, a new part.
    text = str(plotly_text or "").replace("<br data-wrap>", " ")
    text = re.sub(r"(?i)<br\s*/?>", " · ", text)
    return clean(html.unescape(_TAG.sub("", text)))


def csv_cell(value):
    """A value safe for a spreadsheet: text that would start a formula gets a leading `'`
    (OWASP's advice); numbers, including negative ones written as text, are left alone."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell and column name passed through `csv_cell`."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.astype(object).map(csv_cell)
    out.columns = [csv_cell(str(c)) for c in out.columns]
    return out
