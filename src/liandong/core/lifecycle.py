"""One transition table per lifecycle; every status change goes through `Lifecycle.next_state`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from liandong.core.errors import TransitionNotAllowed


@dataclass(frozen=True)
class Lifecycle:
    """A finite state machine: (state, action) -> next state, with a sentinel for 'stay in state'."""

    entity: str
    transitions: Mapping[tuple[str, str], str]
    initial: str
    terminal: frozenset[str] = field(default_factory=frozenset)

    SAME = "__same__"

    def allowed_actions(self, state: str) -> list[str]:
        return sorted(action for (src, action) in self.transitions if src == state)

    def can(self, state: str, action: str) -> bool:
        return (state, action) in self.transitions

    def next_state(self, state: str, action: str) -> str:
        """The state after `action`, or TransitionNotAllowed naming the allowed actions."""
        try:
            target = self.transitions[(state, action)]
        except KeyError:
            raise TransitionNotAllowed(self.entity, state, action, self.allowed_actions(state)) from None
        return state if target == self.SAME else target

    @property
    def states(self) -> set[str]:
        found = {self.initial, *self.terminal}
        for (src, _), dst in self.transitions.items():
            found.add(src)
            if dst != self.SAME:
                found.add(dst)
        return found

    @property
    def actions(self) -> set[str]:
        return {action for (_, action) in self.transitions}


def table(rows: Iterable[tuple[Iterable[str], str, str]]) -> dict[tuple[str, str], str]:
    """Expand rows of (source states, action, target) into a transition table."""
    out: dict[tuple[str, str], str] = {}
    for sources, action, target in rows:
        for src in sources:
            out[(src, action)] = target
    return out
