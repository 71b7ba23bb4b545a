"""Property tests over every transition table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liandong.core.errors import TransitionNotAllowed
from liandong.core.lifecycle import Lifecycle
from liandong.incident.lifecycle import INCIDENT_LIFECYCLE
from liandong.intake.lifecycle import REQUEST_LIFECYCLE
from liandong.workorder.lifecycle import WORK_ORDER_LIFECYCLE

LIFECYCLES = [WORK_ORDER_LIFECYCLE, INCIDENT_LIFECYCLE, REQUEST_LIFECYCLE]


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.entity)
def test_every_state_reachable_and_terminal_states_final(lifecycle: Lifecycle) -> None:
    reached, frontier = {lifecycle.initial}, [lifecycle.initial]
    while frontier:
        state = frontier.pop()
        for action in lifecycle.allowed_actions(state):
            nxt = lifecycle.next_state(state, action)
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == lifecycle.states
    for state in lifecycle.terminal:
        assert lifecycle.allowed_actions(state) == []


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.entity)
@given(data=st.data())
def test_random_action_sequences(lifecycle: Lifecycle, data: st.DataObject) -> None:
    actions = [*sorted(lifecycle.actions), "bogus"]
    state = lifecycle.initial
    for action in data.draw(st.lists(st.sampled_from(actions), max_size=30)):
        if lifecycle.can(state, action):
            state = lifecycle.next_state(state, action)
            assert state in lifecycle.states
        else:
            with pytest.raises(TransitionNotAllowed) as info:
                lifecycle.next_state(state, action)
            assert info.value.state == state
            assert info.value.allowed == lifecycle.allowed_actions(state)
