"""Certificate states and what they mean: the one list the service, the verifier and (through
its bridge) the Odoo addon use.

    received → issued → forwarded [→ acknowledged] → accepted | rejected | query → utilised
    cancelled (by the exporter) and replaced (Art 3.17.5) end a certificate's life.

The destination's answers (acknowledged, query, accepted/rejected, utilised) only move forward:
utilised may follow any answer but a rejection (using a certificate implies accepting it), and
a late or repeated answer changes nothing (the service's customs callbacks).

Sets are named by meaning, not by where they are used:

>>> sorted(VERIFIES_AS_VALID)
['accepted', 'acknowledged', 'forwarded', 'issued', 'query', 'utilised']
>>> sorted(STILL_CHANGES)
['accepted', 'acknowledged', 'forwarded', 'issued', 'query', 'received', 'rejected']
>>> sorted(WITHDRAWABLE)
['accepted', 'acknowledged', 'forwarded', 'issued', 'query', 'rejected']
>>> sorted(AWAITING_DECISION)
['acknowledged', 'forwarded', 'query']
>>> can_become("forwarded", "accepted"), can_become("cancelled", "issued")
(True, False)
"""

from __future__ import annotations

from typing import Literal, get_args

RECEIVED, ISSUED, FORWARDED = "received", "issued", "forwarded"
ACKNOWLEDGED = "acknowledged"
ACCEPTED, REJECTED, QUERY, UTILISED = "accepted", "rejected", "query", "utilised"
CANCELLED, REPLACED = "cancelled", "replaced"

State = Literal[
    "received",
    "issued",
    "forwarded",
    "acknowledged",
    "accepted",
    "rejected",
    "query",
    "utilised",
    "cancelled",
    "replaced",
]
STATES: list[str] = list(get_args(State))

# What each state says, in one sentence (docs, the API schema, the addon's help texts).
MEANINGS: dict[str, str] = {
    RECEIVED: "received by OriginLink, not signed yet",
    ISSUED: "signed and stored by OriginLink; not yet forwarded to the destination customs",
    FORWARDED: "forwarded to the destination customs, no answer yet",
    ACKNOWLEDGED: "registered by the destination customs, no decision yet",
    ACCEPTED: "accepted by the destination customs",
    REJECTED: "rejected by the destination customs (reasons in its events)",
    QUERY: "the destination customs asked a question (Art 3.24)",
    UTILISED: "used for a preferential import: spent",
    CANCELLED: "cancelled by the exporter",
    REPLACED: "replaced by a corrected certificate (Art 3.17.5)",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({ISSUED}),
    ISSUED: frozenset({FORWARDED, CANCELLED, REPLACED}),
    FORWARDED: frozenset({ACKNOWLEDGED, ACCEPTED, REJECTED, QUERY, UTILISED, CANCELLED, REPLACED}),
    ACKNOWLEDGED: frozenset({ACCEPTED, REJECTED, QUERY, UTILISED, CANCELLED, REPLACED}),
    QUERY: frozenset({ACCEPTED, REJECTED, QUERY, UTILISED, CANCELLED, REPLACED}),
    ACCEPTED: frozenset({UTILISED, CANCELLED, REPLACED}),
    REJECTED: frozenset({CANCELLED, REPLACED}),
    UTILISED: frozenset(),
    CANCELLED: frozenset(),
    REPLACED: frozenset(),
}

# A verifier may say "valid" (if the signature holds and the date allows) only in these.
VERIFIES_AS_VALID = frozenset({ISSUED, FORWARDED, ACKNOWLEDGED, ACCEPTED, QUERY, UTILISED})
# States with a way out: whoever holds a copy (the addon's status pull) asks again about these.
STILL_CHANGES = frozenset(s for s, nexts in TRANSITIONS.items() if nexts)
# Issued and still standing: the exporter may cancel or replace it.
WITHDRAWABLE = frozenset(s for s, nexts in TRANSITIONS.items() if CANCELLED in nexts)
# Issued and never withdrawn: a certified true copy may be made of it (Art 3.17.9).
STANDING = WITHDRAWABLE | {UTILISED}
# With the destination customs, which has not decided yet.
AWAITING_DECISION = frozenset({FORWARDED, ACKNOWLEDGED, QUERY})
# Not shown to anyone yet (not signed).
NOT_PUBLIC = frozenset({RECEIVED})


def can_become(current: str, wanted: str) -> bool:
    return wanted in TRANSITIONS.get(current, frozenset())
