"""Streamlit's legacy `pages/` mode, and the one way the app lives with it.

The project keeps its page scripts in `pages/` and lists them in `st.navigation` (app.py). Streamlit
(1.67) still treats a folder named `pages` beside the main script as its first multipage mode until
`st.navigation` has been called in the process: `PagesManager` sets its class flag
`uses_pages_directory` when it first sees the folder, and while the flag is set the script runner
runs the requested page file on its own (`_mpa_v1`), without app.py. That happens on the first run
after the server starts when it is a deep link (`/demand`), and on every AppTest run (AppTest resets
the flag for each run), so every AppTest of a page after `switch_page`.

Looked for before settling on this (Streamlit 1.67): there is no setting for it (the folder name
"pages" is fixed in the runner; the only related option, `client.showSidebarNavigation`, hides the
legacy menu), and no order of calls helps (the runner decides before app.py runs). So:

* `page_runs_alone()` says whether this is such a run; `ui.current()` then builds the sidebar
  itself, as app.py did not run;
* a sidebar widget drawn by a page run alone gets another widget id (Streamlit puts the running
  script in it) and so starts without its state: the sidebar keeps each choice in session state
  under `chosen_<name>` and seeds its widget from there (`ui.sidebar._seeded`);
* tests/app_support.start_app runs a new AppTest twice: once for app.py, once for the page on its
  own, after which widget ids are settled.

tests/test_legacy_pages.py pins the Streamlit internals this relies on, and fails when an upgrade
moves them or adds a setting that would make this module unnecessary.
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager


def page_runs_alone() -> bool:
    """Whether Streamlit runs this page file without app.py (its legacy `pages/` mode)."""
    return bool(PagesManager.uses_pages_directory)
