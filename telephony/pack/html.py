"""The meeting pack as one self-contained HTML file.

Plotly's script is embedded once; there are no web fonts (the system font stack), no images and
no links to fetch, and a Content-Security-Policy that lets the page fetch nothing at all, so it
opens with no network. Printed from a browser to A4 it puts each section on a new page and never
cuts a chart or a table across two pages (charts are drawn at a fixed width that fits A4's
printable width; a long table is made a compact grid by content.py; a trend's chart and numbers
stay together).
All text is escaped: names come from files.
"""

from __future__ import annotations

import html

from plotly.offline import get_plotlyjs

from telephony import text as tx
from telephony.pack.content import STATUS, Pack, Section, Table

# Nothing may be fetched: scripts and styles only inline, images only as data: URIs.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #212B32; margin: 0 auto; max-width: 720px; padding: 16px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 28px; margin: 0 0 8px; color: #005EB8; }
h2 { font-size: 21px; margin: 0 0 4px; }
h3 { font-size: 17px; margin: 14px 0 2px; }
p.measure, p.note { color: #425563; margin: 0 0 8px; font-size: 14px; }
p.caveat { border-left: 4px solid #005EB8; background: #F0F4F5; padding: 6px 10px; margin: 8px 0; font-size: 14px; }
p.status { display: inline-block; border: 2px solid #212B32; padding: 2px 8px; font-weight: 600; }
p.sample { background: #FFF3CD; border: 2px solid #FFB81C; padding: 6px 10px; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 16px 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd, dl.terms dd { margin: 0; }
dl.terms dt { font-weight: 600; margin-top: 8px; }
.chart { width: 680px; break-inside: avoid; page-break-inside: avoid; margin: 6px 0; }
.trend { break-inside: avoid; page-break-inside: avoid; }
table {
  border-collapse: collapse; font-size: 12.5px; margin: 8px 0 4px; break-inside: avoid; page-break-inside: avoid;
}
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { border-bottom: 1px solid #D8DDE0; padding: 2px 8px; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #425563; }
td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
section { padding-top: 8px; }
section + section { border-top: 1px solid #D8DDE0; margin-top: 24px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11.5pt; }
  section { break-before: page; page-break-before: always; border-top: none !important; margin-top: 0 !important; }
  section.title-page { break-before: auto; page-break-before: auto; }
  h2, h3, p.measure { break-after: avoid; page-break-after: avoid; }
}
"""


def _e(value) -> str:
    return html.escape(tx.clean(value))


def _table(table: Table, caption: str) -> str:
    head = "".join(f'<th scope="col"{" class=num" if n else ""}>{_e(c)}</th>'
                   for c, n in zip(table.columns, table.numeric))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if n else ""}>{_e(v)}</td>'
                                    for v, n in zip(row, table.numeric)) + "</tr>" for row in table.rows)
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_json(fig) -> str:
    # Inside <script type="application/json">: no "<" may close the element early.
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _section(section: Section, n: int, level: str = "h2") -> tuple[str, str]:
    chart_id = f"chart-{n}"
    body = (f"<{level}>{_e(section.headline)}</{level}>"
            f'<div class="chart" id="{chart_id}" role="img" aria-label="{_e(section.measure)}"></div>'
            + "".join(f'<p class="caveat"><strong>Caveat:</strong> {_e(c)}</p>' for c in section.caveats))
    numbers = _table(section.table, "The numbers behind the chart")
    data = f'<script type="application/json" id="{chart_id}-data">{_figure_json(section.figure)}</script>'
    if section.kind == "trend":   # chart and numbers kept together on one printed page
        return f'<div class="trend">{body}{numbers}</div>', data
    return f'<section class="finding" id="finding-{_e(section.id)}">{body}{numbers}</section>', data


def render(pack: Pack) -> str:
    """The whole pack as one HTML document (a str)."""
    facts = [
        ("PCN", pack.pcn_label), ("ICB", pack.icb_name or "not known"), ("Period", pack.period_label),
        ("Practices reporting", f"{pack.practices_reporting}" + (f" of {pack.members} members" if pack.members else "")
         + " in the latest month"),
        ("Status", f"{STATUS} (NHS England)"), ("Made", f"{pack.made:%d %B %Y}"),
        ("Kinds of file used", "; ".join(pack.file_kinds) or "none recorded"),
        ("Source", pack.source_line.removeprefix("Source: ")),
    ]
    title = (f'<section class="title-page"><h1>Phone access: {_e(pack.pcn_label)}</h1>'
             f'<h2>Meeting pack, {_e(pack.period_label)}</h2>'
             f'<p class="status">{STATUS}</p>'
             + ('<p class="sample">Synthetic sample data made up by this tool: not real NHS data.</p>'
                if pack.synthetic else "")
             + '<dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"
             + "<h3>In this pack</h3><ol>" + "".join(f"<li>{_e(s.headline)}</li>" for s in pack.findings)
             + "<li>Trends (statistical process control)</li><li>Definitions</li><li>Caveats</li>"
               "<li>Privacy</li></ol>"
             + (("<h3>Left out</h3><ul>" + "".join(f"<li>{_e(label)}: {_e(reason)}</li>"
                                                  for label, reason in pack.withheld) + "</ul>")
                if pack.withheld else "")
             + "</section>")
    parts, scripts = [title], []
    n = 0
    for section in pack.findings:
        n += 1
        body, data = _section(section, n)
        parts.append(body)
        scripts.append(data)
    trends = ['<section class="trends" id="trends"><h2>Trends</h2>'
              '<p class="note">Each measure month by month as an XmR chart (statistical process control, NHS '
              '"Making Data Count"): the centre line is the mean and the process limits show the usual variation. '
              "Special cause is a signal worth asking about, not a verdict: there are no national targets for "
              "these measures.</p>"]
    if pack.trend_note:
        trends.append(f'<p class="note">{_e(pack.trend_note)}</p>')
    for section in pack.trends:
        n += 1
        body, data = _section(section, n, level="h3")
        trends.append(body)
        scripts.append(data)
    parts.append("".join(trends) + "</section>")
    parts.append('<section class="definitions" id="definitions"><h2>Definitions</h2><dl class="terms">'
                 + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pack.definitions) + "</dl></section>")
    parts.append('<section class="caveats" id="caveats"><h2>Caveats</h2><ul>'
                 + "".join(f"<li>{_e(c)}</li>" for c in pack.caveats) + "</ul></section>")
    parts.append('<section class="privacy" id="privacy"><h2>Privacy</h2>'
                 + "".join(f"<p>{_e(p)}</p>" for p in pack.privacy) + "</section>")
    draw = """<script>
(function () {
  var config = {displayModeBar: false, responsive: false, staticPlot: false, displaylogo: false,
                typesetMath: false};
  document.querySelectorAll('.chart').forEach(function (el) {
    var fig = JSON.parse(document.getElementById(el.id + '-data').textContent);
    Plotly.newPlot(el, fig.data, fig.layout, config);
  });
})();
</script>"""
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(pack.title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
            + "\n".join(parts) + "\n" + "\n".join(scripts) + draw + "</body></html>")
