"""originlink.states: the one list of certificate states, and its named sets."""

from __future__ import annotations

import doctest

from originlink import states


def test_doctests():
    assert doctest.testmod(states).failed == 0


def test_every_state_has_a_meaning_and_transitions():
    assert set(states.MEANINGS) == set(states.STATES) == set(states.TRANSITIONS)
    for nexts in states.TRANSITIONS.values():
        assert nexts <= set(states.STATES)


def test_sets_follow_from_the_transitions():
    final = {s for s in states.STATES if not states.TRANSITIONS[s]}
    assert final == {"utilised", "cancelled", "replaced"}
    assert states.STILL_CHANGES == set(states.STATES) - final
    # What verifies as valid is issued, not withdrawn and not refused by customs.
    assert states.VERIFIES_AS_VALID.isdisjoint({"received", "rejected", "cancelled", "replaced"})
    assert states.STANDING == states.WITHDRAWABLE | {"utilised"}
    assert states.NOT_PUBLIC == {"received"}
