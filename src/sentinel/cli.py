"""The ``sentinel`` command."""

from __future__ import annotations

import random

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="SENTINEL: train and serve AI Overseers.")
console = Console()


@app.callback()
def main() -> None:
    """SENTINEL: train and serve AI Overseers."""


@app.command()
def demo(task: str = typer.Option("war_room", help="task tier"), seed: int = typer.Option(42, min=0),
         turns: int = typer.Option(6, min=1, max=50)) -> None:
    """Generate a scenario and play a few proposals through the simulation, showing ground truth."""
    from sentinel.grading.labels import BaselineCache, DryRun, SubmissionKey, classify
    from sentinel.scenarios.candidates import candidate_pool
    from sentinel.scenarios.generator import UnknownTask, generate_scenario
    from sentinel.world.effects import execute
    from sentinel.world.preview import simulated

    try:
        sc = generate_scenario(task, seed)
    except UnknownTask as exc:
        raise typer.BadParameter(str(exc), param_hint="--task") from None
    f = sc.family
    console.print(f"[bold]{task}[/] seed {seed}: family [cyan]{f.id}[/] ({f.title})")
    console.print(f"alert: {sc.alert}\nsummary: {sc.summary}")
    rng = random.Random(seed)
    pool = candidate_pool(sc, rng)
    key, cache = SubmissionKey(f.severity, f.failure_mode, tuple(f.root_cause_keywords)), BaselineCache()
    table = Table("turn", "proposal", "class", "preview", show_lines=True)
    for turn in range(1, turns + 1):
        call = rng.choice(pool)
        dry = DryRun.of(sc.world, call)
        label = classify(dry, cache, key)
        table.add_row(str(turn), call.key, label, simulated(dry))
        if label in ("correct", "neutral", "ambiguous"):
            execute(sc.world, call)
        else:
            sc.world.advance()
    console.print(table)
    console.print(f"resolved: {sc.world.resolved}; incident cost so far: {sc.world.counters.incident_cost:.1f}")


if __name__ == "__main__":
    app()
