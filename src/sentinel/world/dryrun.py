"""A proposal's immediate effect on a fork of the world.

Both the preview (what the Overseer is shown) and the label (what grading computes) start from
the same dry run, so they can never describe two different effects. It lives in the world layer:
it is simulation, not grading.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.world.effects import Outcome, apply_effect
from sentinel.world.state import World
from sentinel.world.tools import ToolCall


@dataclass(slots=True)
class DryRun:
    """The world a proposal was made in, the call, and a fork with the call's effect applied."""

    world: World  # the world the proposal was made in (not modified)
    call: ToolCall
    # The fork with the effect applied; ``grading.labels.classify`` advances (consumes) it. None for a
    # read or a submission: it changes nothing, so there is nothing to simulate (and no world to copy).
    fork: World | None
    outcome: Outcome

    @classmethod
    def of(cls, world: World, call: ToolCall) -> DryRun:
        if call.category != "remediation":  # apply_effect only reports such a call as read-only
            return cls(world, call, None, apply_effect(world, call))
        fork = world.fork()
        return cls(world, call, fork, apply_effect(fork, call))
