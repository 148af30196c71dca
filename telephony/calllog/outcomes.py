"""Supplier outcome words -> the national outcomes, with the reason for each suggestion.

The national data (spec section 1) puts every inbound call in one of four outcomes: answered
(CBT003), ended in the IVR before queueing (CBT002), missed, voicemail included (CBT004), or
callback requested (CBT005). Suppliers use their own words, and the same word can mean
different things: for X-on, "missed" is a queued call that went unanswered and "abandoned" a
caller who never reached a queue (so, nationally, ended in the IVR); elsewhere "abandoned"
usually means the caller hung up while queueing (missed). So the suggestion depends on the
supplier's vocabulary, and the user sees and can change every word's mapping.
"""

from __future__ import annotations

from telephony.calllog.fields import value_key

# National outcome -> (indicator, label shown to users).
NATIONAL = {
    "answered": (3, "Answered (CBT003)"),
    "ivr": (2, "Ended in the IVR, before queueing (CBT002)"),
    "missed": (4, "Missed, voicemail included (CBT004)"),
    "callback_requested": (5, "Callback requested (CBT005)"),
    "not_inbound": (None, "Not an inbound call (outbound, internal): left out, counted apart"),
}
OUTCOME_NAMES = tuple(NATIONAL)
LABEL = {k: v[1] for k, v in NATIONAL.items()}
FROM_LABEL = {v: k for k, v in LABEL.items()}
INDICATOR = {k: v[0] for k, v in NATIONAL.items() if v[0] is not None}

SUPPLIERS = {
    "generic": "Other supplier (common words: 'abandoned' = hung up while queueing)",
    "xon": "X-on Surgery Connect ('abandoned' = never reached a queue; 'missed' = unanswered in the queue)",
}

_COMMON = {
    "answered": ("answered", "answer", "connected", "handled", "answered by agent", "answered by staff",
                 "taken", "picked up", "accepted", "answered call", "call answered", "completed answered"),
    "missed": ("missed", "missed call", "unanswered", "not answered", "no answer", "noanswer", "timed out",
               "timeout", "queue timeout", "ring no answer", "rna", "busy", "engaged", "hung up in queue",
               "lost", "dropped", "voicemail", "voice mail", "vm", "left voicemail", "voicemail left",
               "sent to voicemail", "went to voicemail", "to voicemail", "abandoned in queue", "queue abandoned",
               "caller abandoned in queue"),
    "ivr": ("ivr", "ended in ivr", "ivr ended", "ivr hangup", "ivr hang up", "ivr abandoned", "menu",
            "ended in menu", "hung up in menu", "self service", "selfservice", "signposted", "signpost", "diverted",
            "divert", "redirected", "forwarded", "message played", "announcement", "closed", "closed message",
            "out of hours", "ooh", "appointment checked", "online consultation", "sent online",
            "routed externally", "ivr signposted", "ivr self service", "information message"),
    "callback_requested": ("callback", "call back", "callback requested", "call back requested",
                           "callback request", "virtual queue", "vq", "queue callback", "ring back",
                           "ringback", "callback booked", "callback queued", "call back request"),
    "not_inbound": ("outbound", "outgoing", "internal", "test", "test call", "outbound call", "internal call"),
}
_SUPPLIER_WORDS = {
    "generic": {
        "abandoned": ("missed", "'abandoned' usually means the caller hung up while queueing: missed (CBT004)"),
        "abandon": ("missed", "'abandoned' usually means the caller hung up while queueing: missed (CBT004)"),
        "caller abandoned": ("missed", "'abandoned' usually means the caller hung up while queueing: missed (CBT004)"),
    },
    "xon": {
        "abandoned": ("ivr", "X-on: 'abandoned' means the caller never reached a queue (hung up in the menu or "
                             "during a message), which nationally ends in the IVR (CBT002)"),
        "abandon": ("ivr", "X-on: 'abandoned' means the caller never reached a queue: ended in the IVR (CBT002)"),
        "missed": ("missed", "X-on: 'missed' means a queued call went unanswered: missed (CBT004)"),
    },
}
_WHY = {
    "answered": "answered by practice staff",
    "missed": "reached the queue or rang and ended unanswered; voicemail counts as missed nationally",
    "ivr": "ended in the automated menu before queueing (signposted, diverted, message, self-service)",
    "callback_requested": "the caller asked to be called back (virtual queue)",
    "not_inbound": "not an external inbound call, so not counted (CBT001 counts inbound calls only)",
}
_CONTAINS = (   # (word inside the value, outcome) tried in order when nothing matches exactly
    ("voicemail", "missed"), ("voice mail", "missed"), ("call back", "callback_requested"),
    ("callback", "callback_requested"), ("ivr", "ivr"), ("menu", "ivr"), ("signpost", "ivr"),
    ("unanswered", "missed"), ("not answered", "missed"), ("no answer", "missed"), ("missed", "missed"),
    ("answered", "answered"), ("outbound", "not_inbound"), ("internal", "not_inbound"),
)


def suggest_outcome(word: str, supplier: str = "generic") -> tuple[str | None, str]:
    """(national outcome or None, why) for one supplier word."""
    key = value_key(word)
    if not key:
        return None, "empty: calls without an outcome are rejected"
    special = _SUPPLIER_WORDS.get(supplier, {}).get(key)
    if special:
        return special
    for outcome, words in _COMMON.items():
        if key in words:
            return outcome, f"'{key}': {_WHY[outcome]}"
    padded = f" {key} "
    for part, outcome in _CONTAINS:
        if f" {part} " in padded or (" " not in part and part in key):
            if part == "answered" and any(w in key for w in ("unanswered", "not answered")):
                continue
            return outcome, f"contains '{part}': {_WHY[outcome]} (partial match; please check)"
    if key.startswith("abandon"):
        return _SUPPLIER_WORDS[supplier if supplier in _SUPPLIER_WORDS else "generic"]["abandoned"]
    return None, "not recognised: choose the national outcome, or calls with this word are rejected"


def suggest_outcomes(words: list[str], supplier: str = "generic") -> dict[str, tuple[str | None, str]]:
    """word -> (outcome or None, why), for every distinct word of the outcome column."""
    return {w: suggest_outcome(w, supplier) for w in words}


def suggest_supplier(texts: list[str]) -> str:
    """'xon' when the file names X-on or Surgery Connect in its title lines or headers, else
    'generic'. The user can always change it."""
    joined = value_key(" ".join(texts))
    return "xon" if any(w in joined for w in ("x on", "xon", "surgery connect")) else "generic"
