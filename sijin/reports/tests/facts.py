"""A published report's facts checked against what Sijin holds and writes (the scenarios in docs/scenarios/).

Each scenario test enters its report through the services, as an office and a group would, then checks every
numbered fact in the briefing, the ledgers or the records. A fact Sijin cannot hold or reproduce yet names its
gap; such a fact must still fail its check, so that the day it holds, the test says to remove the gap and the
score goes up.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    id: str  # as numbered in the scenario file: "F7"
    check: Callable[[], object]  # truthy when Sijin holds the fact and reproduces it
    gap: str = ""  # why it is not held yet (empty: it is held)


@dataclass(frozen=True)
class Score:
    held: int
    total: int

    def __str__(self) -> str:
        return f"{self.held}/{self.total}"


def verify(facts: list[Fact]) -> Score:
    """Assert that each fact holds unless it names its gap, and that each named gap is still a gap."""
    ids = [f.id for f in facts]
    assert len(ids) == len(set(ids)), "a fact is listed twice"
    wrong = []
    for fact in facts:
        held = bool(fact.check())
        if fact.gap and held:
            wrong.append(f"{fact.id} is now held: remove its gap ({fact.gap})")
        elif not fact.gap and not held:
            wrong.append(f"{fact.id} is not held")
    assert not wrong, "\n".join(wrong)
    return Score(sum(1 for f in facts if not f.gap), len(facts))


def plain(html: str) -> str:
    """A briefing's HTML as text, tags and whitespace removed, to search for a sentence."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))
