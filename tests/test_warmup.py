"""The blank chart that starts the browser on Plotly early (ui/warmup.py): it holds nothing a user
could read, it is drawn only when asked, app.py can draw it before the heavy imports, and it is
gone once the page is drawn, also when the page stops early."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

from streamlit.testing.v1 import AppTest

from tests.app_support import APP, ROOT


def _slot_app(draw: bool) -> AppTest:
    def script(draw):
        from ui import warmup

        warmup.plotly_slot(draw)

    at = AppTest.from_function(script, args=(draw,), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_warmup_chart_is_drawn_when_asked_and_holds_nothing_to_read():
    charts = _slot_app(True).get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["data"] == [{"type": "scatter", "x": [], "y": [], "visible": False}]
    layout = spec["layout"]
    assert not (layout.get("title") or {}).get("text")
    assert layout["height"] <= 10
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False


def test_no_warmup_chart_unless_asked():
    assert not _slot_app(False).get("plotly_chart")


def test_the_warmup_module_imports_neither_pandas_nor_duckdb():
    """app.py draws the blank chart before importing the rest, so the browser fetches Plotly while
    the server imports pandas and DuckDB; that only works if ui.warmup does not import them."""
    code = ("import sys, streamlit; import ui.warmup; "
            "print(sorted(m for m in ('pandas', 'duckdb', 'telephony') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_first_run_leaves_only_the_real_chart():
    """A session's first run of app.py draws the blank chart, then empties its slot: what is left
    on the Overview is its one chart, with a title and data."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()   # app.py itself (later runs in AppTest run the page file on its own)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 1, [s["layout"].get("title") for s in specs]
    assert "Inbound calls ranged from" in specs[0]["layout"]["title"]["text"]
    assert specs[0]["data"] and specs[0]["data"][0].get("y")


def test_a_first_run_that_stops_early_leaves_no_blank_chart(monkeypatch):
    """A page that stops before drawing (st.stop, e.g. no PCN to show) must not leave the blank
    chart behind. Nothing is drawn after st.stop, so app.py empties the slot before the page runs."""
    import streamlit as st

    from ui import render

    def nothing_to_show(sel):
        st.info("Nothing to show")
        return False

    monkeypatch.setattr(render, "need_pcn", nothing_to_show)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert [i.value for i in at.info] == ["Nothing to show"]
    assert not at.get("plotly_chart")


def _is_material(value: ast.expr, tables: dict[str, ast.Dict]) -> bool:
    """A ':material/…:' string, or a lookup in a module-level dict whose values all are."""
    def constant(v):
        return isinstance(v, ast.Constant) and str(v.value).startswith(":material/")
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id in tables:
        return all(constant(v) for v in tables[value.value.id].values)
    return constant(value)


def _sources():
    return [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


def test_every_icon_is_a_material_symbol_so_no_first_run_loads_the_emoji_catalogue():
    """An emoji icon (page_icon=, icon=) makes Streamlit compile its emoji catalogue, 0.1 s of a
    session's first run; app.py's warm-up chart would leave that much later."""
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                  and isinstance(node.value, ast.Dict) for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in {"icon", "page_icon"}:
                found.append((path.name, node.lineno, node.value, tables))
    assert len(found) >= 10, found     # the pages' icons, the banners' and the alerts'
    # The tab's icon is the app's own file (a Material page icon is fetched from a font server).
    own_file = [(name, line) for name, line, value, _ in found
                if name == "app.py" and isinstance(value, ast.Name) and value.id == "PAGE_ICON"]
    assert len(own_file) == 1, found
    emoji = [(name, line) for name, line, value, tables in found
             if (name, line) not in own_file and not _is_material(value, tables)]
    assert not emoji, f"icons that are not ':material/…:' strings: {emoji}"
    icon = ROOT / "assets" / "phone.png"
    assert icon.read_bytes().startswith(b"\x89PNG"), "the page icon is a PNG in the repository"


# Pictographs and dingbats (U+2190-U+2BFF arrows/symbols/dingbats, U+1F000 on, and the emoji
# variation selector), which draw as empty boxes on a machine without an emoji font. Typographic
# marks the app uses in text (– · × ÷ − … ≥) are below U+2190 or are maths operators, allowed.
EMOJI = re.compile("[\u2300-\u23ff\u2460-\u27bf\u2b00-\u2bff\U0001F000-\U0001FFFF\ufe0f]")


def test_no_emoji_in_what_the_app_draws():
    found = [(path.name, n, line.strip()) for path in _sources()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if EMOJI.search(line)]
    assert not found, f"emoji (use ':material/…:' icons instead): {found}"
    assert EMOJI.search("⚠️ 2 file(s)") and EMOJI.search("✅") and not EMOJI.search("a – b · c ÷ d")
