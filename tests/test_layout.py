"""The domain package stands alone: nothing in `telephony/` imports the synthetic data makers
(`samplegen/`) when loaded, and the Call logs page finds the bundled example logs by path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

_CHECK = """
import importlib, pkgutil, sys
import telephony
for mod in pkgutil.walk_packages(telephony.__path__, "telephony."):
    if not mod.name.endswith("__main__"):
        importlib.import_module(mod.name)
import ui.call_log_setup
print(sorted(m for m in sys.modules if m.split(".")[0] == "samplegen"))
"""


def test_nothing_in_the_domain_package_or_the_call_logs_page_imports_the_generators():
    done = subprocess.run([sys.executable, "-c", _CHECK], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_bundled_example_logs_are_found_by_path():
    from telephony.calllog.profile import example_logs
    from ui.call_log_setup import EXAMPLES

    assert EXAMPLES == PROJECT / "data" / "sample" / "call_logs"
    assert [(log.name, prof.name) for log, prof in example_logs(EXAMPLES)] == [
        ("Synthetic X-on call log - August 2026.csv", "Synthetic X-on call log - August 2026 profile.json"),
        ("Synthetic generic call log - August 2026.xlsx", "Synthetic generic call log - August 2026 profile.json"),
    ]


def test_nothing_outside_the_store_reaches_into_it():
    """Call logs and the app use the store's public API and telephony.model, never a private
    method of `Store` (the store's internals may then change without breaking them)."""
    import re

    private = re.compile(r"\bstore\._[a-z]")
    found = [f"{p.relative_to(PROJECT)}:{i}" for folder in ("telephony", "ui", "pages")
             for p in sorted((PROJECT / folder).rglob("*.py")) if p.name != "store.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)]
    assert found == []
