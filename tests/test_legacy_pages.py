"""The legacy `pages/` workaround (ui/legacy_pages.py) rests on Streamlit internals. These tests pin
them, so an upgrade that changes them fails here, and one that adds a setting for the pages folder
fails too: then the workaround may be able to go."""

from __future__ import annotations

import inspect

import pytest
from streamlit import config
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from tests.app_support import ROOT, sidebar_widget, start_app, visit
from ui import legacy_pages


@pytest.fixture
def fresh_flag():
    saved = PagesManager.uses_pages_directory
    PagesManager.uses_pages_directory = None
    yield
    PagesManager.uses_pages_directory = saved


def test_a_pages_folder_beside_the_main_script_turns_the_legacy_mode_on(fresh_flag, tmp_path):
    PagesManager(str(ROOT / "app.py"), setup_watcher=False)
    assert PagesManager.uses_pages_directory is True and legacy_pages.page_runs_alone()
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"), setup_watcher=False)   # no pages/ beside it
    assert PagesManager.uses_pages_directory is False and not legacy_pages.page_runs_alone()


def test_only_st_navigation_turns_it_off_and_the_runner_runs_page_files_alone_while_it_is_on():
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)
    runner = inspect.getsource(script_runner.ScriptRunner)
    assert "if PagesManager.uses_pages_directory:" in runner and "_mpa_v1(" in runner
    assert 'parent / "pages"' in inspect.getsource(script_runner._mpa_v1)


def test_no_setting_names_or_turns_off_the_pages_folder():
    config.get_option("server.port")   # loads the option table
    related = sorted(k for k in config._config_options if "page" in k.lower() or "nav" in k.lower())
    assert related == ["client.showSidebarNavigation"], (
        "Streamlit has a new setting about pages: see whether ui/legacy_pages.py can go")


def test_a_page_opened_in_an_app_test_runs_alone_and_keeps_the_sidebar_choices():
    at = start_app()
    pcn = sidebar_widget(at, "selectbox", "pcn")
    chosen = next(label[-7:-1] for label in pcn.options if label[-7:-1] != pcn.value)   # "NAME (U12345)"
    pcn.set_value(chosen)
    at.run()
    sidebar_widget(at, "toggle", "shared_screen").set_value(True)
    at.run()
    for page in ("demand", "waits", "overview"):
        at = visit(at, page)
        # The page file ran without app.py (which calls st.navigation and turns the mode off).
        assert legacy_pages.page_runs_alone(), page
        assert sidebar_widget(at, "selectbox", "pcn").value == chosen, page
        assert sidebar_widget(at, "toggle", "shared_screen").value is True, page
