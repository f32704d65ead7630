"""What ``flask sweep`` re-derives from the database in each store, step by step. Every
owner registers its own steps at import (``@sweep_step``), so the package that runs the
sweep knows none of the features it sweeps for:

    @sweep_step(order=40, outcome="bargains_expired")
    def expire_due_bargains(now=None): ...

A step is called with no arguments inside the store's context, must be safe to run twice
(and twice at once), and is committed after it returns. ``order`` decides who goes first
(lower first; ties by registration); ``outcome`` names the step's return value in the
sweep's summary, None leaves it out.
"""
from dataclasses import dataclass

from core.extensions import db


@dataclass(frozen=True)
class SweepStep:
    order: int
    name: str
    run: object
    outcome: str | None


_STEPS: dict[str, SweepStep] = {}


def sweep_step(*, order, outcome=None):
    """Register the decorated function as a step of every store's sweep."""
    def register(function):
        name = f"{function.__module__}.{function.__qualname__}"
        _STEPS[name] = SweepStep(order, name, function, outcome)
        return function
    return register


def sweep_steps():
    """The registered steps, first first."""
    return sorted(_STEPS.values(), key=lambda step: step.order)


def run_sweep_steps():
    """Run every step for the current store, each committed after it; returns ``{outcome
    name: value}`` of the steps that name one."""
    outcome = {}
    for step in sweep_steps():
        value = step.run()
        db.session.commit()
        if step.outcome is not None:
            outcome[step.outcome] = value
    return outcome
