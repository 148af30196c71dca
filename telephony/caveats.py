"""The data's own caveats (spec section 5), and which of them apply to what a store holds."""

from __future__ import annotations

import datetime as dt

# Named, so a view (a Present slide) can cite the one that applies to it.
IN_DEVELOPMENT = "Official statistics in development: definitions and supplier methods are still settling."
COVERAGE = "Coverage grew as suppliers joined, so growth in national totals is mostly coverage, not demand."
CALLS_NOT_PEOPLE = "The data counts calls, not people: one person ringing five times is five calls."
VOICEMAIL = "Voicemail counts as missed; prescription voicemail lines inflate missed calls."
IVR_SETUP = "The IVR (automated menu) share mostly reflects how a practice's phones are set up."
DIRECT_DIAL = "Some suppliers exclude direct-dial calls; a small number of calls land in the wrong time band."
CLOSURES = "Bank holidays and lunchtime or half-day closures show in the data and are not performance."
CONFIGURABLE = ("Systems are configurable per practice, so comparing practices needs great caution; this tool "
                "shows PCN-level views only.")
ALWAYS = (IN_DEVELOPMENT, COVERAGE, CALLS_NOT_PEOPLE, VOICEMAIL, IVR_SETUP, DIRECT_DIAL, CLOSURES, CONFIGURABLE)
WAIT_BREAK_SPANNED = ("Wait times break in series in June 2026 (one supplier corrected its method): the loaded "
                      "months span the break.")
WAIT_BREAK = dt.date(2026, 6, 1)


def caveats_for(store) -> list[str]:
    out = list(ALWAYS)
    row = store.con.execute(
        """SELECT min(month), max(month),
                  sum(inbound) FILTER (WHERE is_shared), sum(inbound),
                  count(*) FILTER (WHERE answered + ivr + callback_requested + missed <> inbound),
                  count(*) FILTER (WHERE callback_requested = 0 AND NOT is_shared), count(*)
           FROM stg_unit_month"""
    ).fetchall()[0]
    first, last, shared, inbound, unbalanced, no_callbacks, units = row
    if first is None:
        return out
    if first < WAIT_BREAK <= last:
        out.append(WAIT_BREAK_SPANNED)
    if shared:
        out.append(f"{shared / inbound:.1%} of loaded inbound calls came through shared phone accounts "
                   "('Unassigned'); they count in a PCN only where published with its PCN code and are always "
                   "shown separately.")
    if unbalanced:
        out.append(f"In {unbalanced:,} of {units:,} practice-months the four outcomes do not add up to inbound "
                   "calls; the gap is shown, never forced to balance.")
    if no_callbacks:
        out.append(f"{no_callbacks:,} practice-months have no callback requests: the feature is not used there, "
                   "so 0 means 'not used', not 'perfect'.")
    return out
