"""Supplier call logs: any layout, mapped to NHS England's national CBT definitions.

A practice's own call log (one row per call, exported from X-on, Redcentric, Babblevoice or any
other supplier's portal) goes through four steps, none of which imports Streamlit:

  1. `read.inspect_file`: find the header row and read the file once (CSV with DuckDB, .xlsx with
     python-calamine) for headers, a few values per column and the outcome words with counts;
  2. `fields.suggest_columns` / `outcomes.suggest_outcomes`: a suggested column for each field
     and a national outcome for each supplier word, with the reason; the user confirms or
     corrects them, and the result is a `profile.Profile` (small JSON, reusable next time);
  3. `load.load_call_log`: each call converted to the national definitions and loaded into the
     same DuckDB model as the published files (precedence and privacy: see load.py);
  4. the call-level views read `call_log_slots`, `call_log_waits` and `call_log_callers` through
     queries/calllog_*.sql, aggregated to the PCN.
"""

from telephony.calllog.fields import FIELDS, suggest_columns, suggest_date_order
from telephony.calllog.load import CallLogReport, load_call_log, session_salt
from telephony.calllog.outcomes import NATIONAL, suggest_outcome, suggest_outcomes, suggest_supplier
from telephony.calllog.profile import Profile, ProfileError
from telephony.calllog.read import Inspection, inspect_file

__all__ = [
    "FIELDS", "NATIONAL", "CallLogReport", "Inspection", "Profile", "ProfileError", "inspect_file", "load_call_log",
    "session_salt", "suggest_columns", "suggest_date_order", "suggest_outcome", "suggest_outcomes", "suggest_supplier",
]
