"""The Call logs page's setup step: add a supplier call log, confirm the suggested mapping, save
or reuse it as a JSON profile, load it; or load the synthetic example logs.

This step shows the user's own file to the user: its headers, a few values per column, its
outcome words and sites, and the practice code they type. Like the Data page's rejected rows
(ui/render.py `rejects`), it is setup, not analysis: it is never drawn on a shared screen, and
caller numbers are never shown (columns that may hold them are hidden when the file is read).
Everything it loads goes into this session's own stores (ui/session.py); nothing is cached
across sessions.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from telephony import text as tx
from telephony.calllog import FIELDS, Profile, ProfileError, inspect_file, load_call_log, session_salt
from telephony.calllog.fields import LABELS, value_key
from telephony.calllog.outcomes import FROM_LABEL, LABEL, SUPPLIERS, suggest_outcome
from telephony.calllog.profile import DATE_ORDERS, code, example_logs, needs
from telephony.calllog.suggest import suggest_profile, suggest_sites
from telephony.problems import FileProblem
from telephony.store import copy_upload
from ui import render, sidebar
from ui.selection import Selection
from ui.session import SAMPLE, SAMPLE_DIR, UPLOADS, session

EXAMPLES = SAMPLE_DIR / "call_logs"   # written by samplegen.call_logs, found here by path
_EDITORS = ("calllog_columns", "calllog_outcomes", "calllog_sites")
NONE = ""
# Rows tall enough for Streamlit to wrap text (it wraps only above 4rem), so long field labels,
# outcome labels and reasons are shown in full rather than clipped.
WRAP = 68


def _salt() -> bytes:
    """This session's random salt for caller numbers, in memory only."""
    return st.session_state.setdefault("calllog_salt", session_salt())


def _fill(base: Profile) -> None:
    """Put a profile's settings into the mapping widgets. Set through session state (not by
    dropping the widgets' keys): only a value set this way reaches a browser that already shows
    the widget, so a saved profile's ODS code, PCN and name really replace what is on screen."""
    state = st.session_state
    for key in _EDITORS:
        state.pop(key, None)
    state.pop("calllog_outcome_sig", None)
    state.pop("calllog_site_sig", None)
    pcn = base.pcn or _known_pcn(base.practice) or ""
    state.update({"calllog_supplier": base.supplier, "calllog_date_order": base.date_order,
                  "calllog_practice": base.practice or "", "calllog_pcn": pcn, "calllog_pcn_auto": pcn,
                  "calllog_profile_name": base.name})


def _stores() -> list:
    """The session's uploads, then the synthetic sample: what either knows of a practice counts."""
    data = session()
    return [data.uploads_store(), data.sample_store()]


def _known_practices() -> dict[str, str]:
    """code -> name of practices the loaded files or the sample know (names where a file gave them)."""
    out: dict[str, str] = {}
    for store in reversed(_stores()):
        rows = store.con.execute(
            """SELECT c.code, n.name FROM (SELECT practice_code AS code FROM units
                                           WHERE practice_code <> 'Unassigned'
                                           UNION SELECT practice_code FROM pcn_membership) c
               LEFT JOIN org_names n ON n.level = 'practice' AND n.code = c.code""").fetchall()
        out |= {c: n or out.get(c, "") for c, n in rows}
    return out


def _known_pcn(practice: str | None) -> str | None:
    """The PCN the loaded files (or else the sample) place a practice in."""
    if not practice:
        return None
    for store in _stores():
        row = store.con.execute(
            r"""SELECT pcn_code FROM (SELECT pcn_code, 0 AS k FROM units WHERE practice_code = $p
                                      UNION ALL SELECT pcn_code, 1 FROM pcn_membership WHERE practice_code = $p)
                WHERE regexp_full_match(pcn_code, 'U\d{5}') ORDER BY k LIMIT 1""", {"p": practice}).fetchall()
        if row:
            return row[0][0]
    return None


# ---------------------------------------------------------------------- the examples
def _examples(sel: Selection) -> None:
    data = session()
    store = data.sample_store()
    pairs = example_logs(EXAMPLES)
    if not pairs:
        return
    loaded = {r.file_name for r in store.reports if r.kind == "call_log" and r.status == "loaded"}
    done = all(log.name in loaded for log, _ in pairs)
    st.markdown("**Try it on synthetic data.** Two made-up call logs for practices of the synthetic sample: one in "
                "the style of an X-on Surgery Connect export, one from a generic system with a site column.")
    if st.button("Load the synthetic example call logs (not real data)", key="calllog_examples", disabled=done,
                 help="Loads them into this session's copy of the synthetic sample, with their mapping profiles."):
        pcn, last = None, []
        for log, profile_file in pairs:
            profile = Profile.from_json(profile_file.read_text(encoding="utf-8"), f"'{profile_file.name}'")
            last.append(id(load_call_log(store, log, profile, salt=_salt())))
            pcn = pcn or profile.pcn
        st.session_state["calllog_last"] = (SAMPLE, last)
        sidebar.choose("data_source", SAMPLE)
        if pcn:
            sidebar.choose("pcn", pcn)
        st.rerun()
    if done:
        st.caption("The synthetic example logs are loaded: see the views below (data shown: Sample).")
    cols = st.columns(len(pairs))
    for i, ((log, profile_file), col) in enumerate(zip(pairs, cols)):
        col.download_button(f"Download {log.name} to try the mapping step", log.read_bytes(), file_name=log.name,
                            key=f"calllog_example_download_{i}")


# ---------------------------------------------------------------------- a file of the user's
def _inspect(upload) -> dict | None:
    """Read a newly added file once (kept in this session's state while it is being mapped)."""
    state = st.session_state
    current = state.get("calllog_current")
    if current and current["file_id"] == upload.file_id:
        return current
    if current and current.get("path"):
        current["path"].unlink(missing_ok=True)
    folder = session().temp_dir / "call_logs"
    folder.mkdir(exist_ok=True)
    path = copy_upload(upload.getvalue(), folder, upload.name)
    try:
        insp = inspect_file(path, temp_dir=folder)
    except FileProblem as exc:
        path.unlink(missing_ok=True)
        state["calllog_current"] = {"file_id": upload.file_id, "error": f"'{upload.name}' {exc}.", "path": None}
        return state["calllog_current"]
    suggested = suggest_profile(insp, upload.name, _known_practices())
    state["calllog_current"] = {"file_id": upload.file_id, "name": upload.name, "path": path, "insp": insp,
                                "base": suggested.profile, "why": {f: s.why for f, s in suggested.columns.items()},
                                "site_why": suggested.site_reasons, "error": None, "profile_id": None}
    _fill(suggested.profile)
    return state["calllog_current"]


def _use_saved_profile(current: dict) -> None:
    saved = st.file_uploader("Use a saved mapping profile (.json), if you have one for this supplier's files",
                             type=["json"], key="calllog_profile_file")
    if saved is None or saved.file_id == current.get("profile_id"):
        return
    current["profile_id"] = saved.file_id
    try:
        profile = Profile.from_json(saved.getvalue(), f"'{saved.name}'")
    except ProfileError as exc:
        st.error(tx.md(exc))
        return
    headers = current["insp"].layout.headers
    missing = {f: h for f, h in profile.columns.items() if current["insp"].layout.position(h) is None}
    for field in missing:
        profile.columns.pop(field)
    current["base"], current["why"] = profile, {f: f"from '{saved.name}'" for f in profile.columns}
    _fill(profile)
    if missing:
        st.warning("This file has no column " + "; ".join(f"'{tx.md(h)}' (for {LABELS[f]})" for f, h in missing.items())
                   + f". Its columns are: {tx.md(', '.join(headers))}. Choose them below.")


def _columns_step(current: dict) -> dict[str, str]:
    insp, base = current["insp"], current["base"]
    headers = insp.layout.headers
    table = pd.DataFrame({
        "Field": [f.label for f in FIELDS],
        "Column in your file": [base.columns.get(f.name) or NONE for f in FIELDS],
        "Why suggested": [current["why"].get(f.name, "") for f in FIELDS],
    })
    edited = st.data_editor(
        table, key="calllog_columns", hide_index=True, num_rows="fixed", disabled=["Field", "Why suggested"],
        row_height=WRAP,
        column_config={"Column in your file": st.column_config.SelectboxColumn(options=[NONE, *headers],
                                                                               width="medium"),
                       "Field": st.column_config.TextColumn(width="medium"),
                       "Why suggested": st.column_config.TextColumn(width="large")})
    columns = {f.name: v for f, v in zip(FIELDS, edited["Column in your file"]) if v}
    hidden = {columns.get("caller")} | insp.phone_like      # whatever the user calls the caller column
    examples = pd.DataFrame({
        "Field": [LABELS[f] for f in columns],
        "Values in your file": ["(hidden: phone numbers)" if h in hidden else
                                ", ".join(insp.samples.get(h, [])[:4]) or "(empty)" for h in columns.values()],
    })
    st.caption("What the chosen columns hold (first values; columns that may hold phone numbers are never shown):")
    st.dataframe(examples, hide_index=True, key="calllog_column_examples", row_height=WRAP,
                 column_config={"Field": st.column_config.TextColumn(width="medium"),
                                "Values in your file": st.column_config.TextColumn(width="large")})
    return columns


def _outcomes_step(current: dict, header: str | None, supplier: str) -> dict[str, str]:
    insp, base = current["insp"], current["base"]
    if not header:
        st.warning("Choose the column that says how each call ended (outcome, status or result).")
        return {}
    words = insp.values.get(header)
    if words is None:
        st.error(f"Column '{tx.md(header)}' has more than 60 different values, "
                 "so it is probably not the outcome column.")
        return {}
    signature = (header, supplier, id(base))
    if st.session_state.get("calllog_outcome_sig") != signature:
        st.session_state.pop("calllog_outcomes", None)
        st.session_state["calllog_outcome_sig"] = signature
    saved = {value_key(w): o for w, o in base.outcomes.items()} if supplier == base.supplier else {}
    rows = []
    for word, calls in words.items():
        if not word:
            continue
        outcome, why = suggest_outcome(word, supplier)
        if value_key(word) in saved:
            outcome, why = saved[value_key(word)], "from the profile" if current.get("profile_id") else why
        rows.append({"Word in your log": word, "Calls": calls, "National outcome": LABEL.get(outcome), "Why": why})
    edited = st.data_editor(
        pd.DataFrame(rows), key="calllog_outcomes", hide_index=True, num_rows="fixed", row_height=WRAP,
        disabled=["Word in your log", "Calls", "Why"],
        column_config={"Word in your log": st.column_config.TextColumn(width="medium"),
                       "National outcome": st.column_config.SelectboxColumn(options=list(LABEL.values()),
                                                                            width="large"),
                       "Calls": st.column_config.NumberColumn(format="localized", width="small"),
                       "Why": st.column_config.TextColumn(width="large")})
    outcomes = {w: FROM_LABEL[o] for w, o in zip(edited["Word in your log"], edited["National outcome"]) if o}
    per = edited.dropna(subset=["National outcome"]).groupby("National outcome")["Calls"].sum()
    unmapped = int(edited.loc[edited["National outcome"].isna(), "Calls"].sum()) + int(words.get("", 0))
    summary = "; ".join(f"{label}: {int(per[label]):,}" for label in LABEL.values() if label in per)
    st.caption(f"With this mapping: {summary or 'nothing mapped yet'}."
               + (f" **{unmapped:,} calls have no outcome or an unmapped word and will be rejected** (each listed "
                  "with its row)." if unmapped else ""))
    return outcomes


def _practice_step(current: dict, columns: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    insp, base = current["insp"], current["base"]
    site = columns.get("site")
    if not site:
        practice = st.text_input("This file is one practice's calls: its ODS code", key="calllog_practice",
                                 placeholder="e.g. E81050", max_chars=6)
        return code(practice), {}
    values = insp.values.get(site)
    if values is None:
        st.error(f"Column '{tx.md(site)}' has more than 60 different values, so it is probably not the site column.")
        return None, {}
    signature = (site, id(base))
    if st.session_state.get("calllog_site_sig") != signature:
        st.session_state.pop("calllog_sites", None)
        st.session_state["calllog_site_sig"] = signature
    suggested = suggest_sites([v for v in values if v], _known_practices())
    rows = [{"Site in your log": v, "Calls": n,
             "Practice ODS code": base.sites.get(v) or (suggested.get(v) or (None, ""))[0] or "",
             "Why": current["site_why"].get(v) or (suggested.get(v) or (None, ""))[1]}
            for v, n in values.items() if v]
    st.markdown("Each site's practice (ODS code, one letter and five digits):")
    edited = st.data_editor(pd.DataFrame(rows), key="calllog_sites", hide_index=True, num_rows="fixed",
                            disabled=["Site in your log", "Calls", "Why"], row_height=WRAP,
                            column_config={"Site in your log": st.column_config.TextColumn(width="medium"),
                                           "Calls": st.column_config.NumberColumn(format="localized", width="small"),
                                           "Why": st.column_config.TextColumn(width="large")})
    return None, {s: code(c) for s, c in zip(edited["Site in your log"], edited["Practice ODS code"]) if code(c)}


def _pcn_of(practices: list[str]) -> tuple[str | None, list[str]]:
    """The one PCN the loaded files (or the sample) place these practices in, if they agree, and
    the practices they do not place anywhere."""
    known = {p: _known_pcn(p) for p in practices}
    pcns = {c for c in known.values() if c}
    return (pcns.pop() if len(pcns) == 1 else None), [p for p, c in known.items() if not c]


def _prefill_pcn(pcn: str | None) -> None:
    """Fill the PCN box from what is known of the practice, unless the user has typed their own."""
    state = st.session_state
    if pcn and state.get("calllog_pcn", "") in ("", state.get("calllog_pcn_auto")):
        state["calllog_pcn"] = state["calllog_pcn_auto"] = pcn


def _mapping(sel: Selection, current: dict) -> None:
    data = session()
    store = data.uploads_store()
    insp = current["insp"]
    _salt()
    above = tx.md(tx.shorten(" / ".join(insp.layout.title), 120)) if insp.layout.title else ""
    title = f" (above the header: '{above}')" if insp.layout.title else ""
    st.markdown(f"**{insp.rows:,} rows** read from '{tx.md(current['name'])}'{title}. "
                "Check each suggestion and correct it where needed; "
                "nothing is loaded until you press **Load this call log**.")
    _use_saved_profile(current)
    st.markdown("##### 1. Which column holds what")
    columns = _columns_step(current)
    left, right = st.columns(2)
    supplier = left.selectbox("Supplier's words", list(SUPPLIERS), format_func=SUPPLIERS.get, key="calllog_supplier",
                              help="The same word means different things: for X-on 'abandoned' is a caller who never "
                                   "reached a queue (nationally: ended in the IVR); elsewhere, one who hung up while "
                                   "queueing (missed).")
    date_order = right.radio("Dates are written", list(DATE_ORDERS), format_func=DATE_ORDERS.get,
                             key="calllog_date_order", horizontal=True)
    st.markdown("##### 2. Each outcome word in national terms")
    outcomes = _outcomes_step(current, columns.get("outcome"), supplier)
    st.markdown("##### 3. Whose calls")
    practice, sites = _practice_step(current, columns)
    known, unplaced = _pcn_of(sorted({practice} if practice else set(sites.values())))
    _prefill_pcn(known)
    pcn = st.text_input("PCN code (needed only for practices the files you loaded do not place in a PCN)",
                        key="calllog_pcn", placeholder="e.g. U49574", max_chars=6)
    if known:
        whom = "this practice" if practice else "these practices"
        st.caption(f"The files loaded (or the synthetic sample) place {whom} in PCN {tx.md(known)}.")
    name = st.text_input("Name of this mapping", key="calllog_profile_name")
    profile = Profile(columns=columns, outcomes=outcomes, supplier=supplier, date_order=date_order,
                      practice=practice, sites=sites, pcn=code(pcn), name=name.strip())
    missing = needs(profile, unplaced)
    left, right = st.columns(2)
    try:
        profile.validate("The mapping")
        left.download_button("Save this mapping (.json profile)", profile.to_json().encode("utf-8"),
                             file_name=f"{profile.name or 'call log mapping'}.json", mime="application/json",
                             key="calllog_profile_download",
                             help="Choose it next time with 'Use a saved mapping profile', or give it to "
                                  "`python -m telephony load LOG.csv --mapping PROFILE.json`.")
    except ProfileError:
        pass    # said below, with everything else that is missing
    reason = "; ".join(missing)
    if right.button("Load this call log", key="calllog_load", type="primary", disabled=bool(missing),
                    help=f"Not yet: {tx.md(reason)}." if missing else None):
        report = load_call_log(store, current["path"], profile, name=current["name"], salt=_salt())
        data.upload_reports.append(report)
        st.session_state["calllog_last"] = (UPLOADS, [id(report)])
        if report.status == "loaded":
            current["path"].unlink(missing_ok=True)
            st.session_state.setdefault("calllog_loaded_ids", set()).add(current["file_id"])
            st.session_state.pop("calllog_current", None)
            sidebar.choose("data_source", UPLOADS)
            st.rerun()
    if missing:
        right.caption(f"**Load this call log** is not available yet: {tx.md(reason)}.")


def _last_report(sel: Selection) -> None:
    """What the last load did: calls read, loaded and rejected, overlaps, notes, rejected rows."""
    last = st.session_state.get("calllog_last")
    if not last:
        return
    data = session()
    reports = data.sample_store().reports if last[0] == SAMPLE else data.upload_reports
    for i, report in enumerate(r for r in reports if id(r) in last[1]):
        if report.status == "failed":
            st.error(tx.md(report.message))
            continue
        st.success(f"**{tx.md(report.file_name)}**: {report.status}. " + (
            report.counts if report.status == "loaded" else tx.md(report.message)), icon=":material/check_circle:")
        for line in report.overlaps + report.notes:
            st.markdown(f"- {tx.md(line)}")
        if report.rows_rejected and report in sel.store.reports:
            render.rejects(sel, report.source_id, report.file_name, report.rows_rejected, key=f"calllog_rejects_{i}")


def add_logs(sel: Selection) -> None:
    """The setup step: examples, upload, mapping, load, and the last load's report."""
    if sel.large:
        st.caption("Adding call logs is hidden on a shared screen; logs already loaded are shown below.")
        return
    with st.expander("Add a call log", expanded=True):
        _examples(sel)
        st.markdown("**Or add your own.** A supplier's call log export, one row per call (.csv or .xlsx). It stays in "
                    "this session only; caller numbers are used only to count repeat callers and are never stored.")
        upload = st.file_uploader("Call log (.csv or .xlsx)", type=["csv", "xlsx"], key="calllog_file")
        if upload is None and st.session_state.get("calllog_current"):
            # Removed without loading: its copy in the session's folder goes too.
            path = st.session_state.pop("calllog_current").get("path")
            if path:
                path.unlink(missing_ok=True)
        if upload is not None and upload.file_id in st.session_state.get("calllog_loaded_ids", set()):
            st.caption("This file is loaded. Remove it from the box above to add another.")
        elif upload is not None:
            current = _inspect(upload)
            if current.get("error"):
                st.error(tx.md(current["error"]))
            else:
                _mapping(sel, current)
        _last_report(sel)
