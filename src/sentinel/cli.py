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


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="interface to bind"),
          port: int = typer.Option(8000, min=1, max=65535),
          max_sessions: int = typer.Option(64, min=1, max=4096, help="concurrent WebSocket sessions per worker"),
          workers: int = typer.Option(1, min=1, max=64, help="uvicorn worker processes"),
          session_timeout: float = typer.Option(600.0, min=1.0, help="idle WebSocket sessions are closed after this (s)"),
          data_dir: str = typer.Option("", help="where REST episodes and the audit log live (default ~/.local/share/sentinel)"),
          no_ui: bool = typer.Option(False, "--no-ui", help="do not mount the web UI")) -> None:
    """Run the server: OpenEnv routes, REST episodes, SENTINEL/Live and the web UI."""
    import os

    import uvicorn

    os.environ["SENTINEL_MAX_SESSIONS"] = str(max_sessions)
    os.environ["SENTINEL_SESSION_TIMEOUT"] = str(session_timeout)
    os.environ["SENTINEL_UI"] = "0" if no_ui else "1"
    if data_dir:
        os.environ["SENTINEL_DATA_DIR"] = data_dir
    console.print(f"SENTINEL on http://{host}:{port} ({workers} worker(s), {max_sessions} sessions per worker)")
    uvicorn.run("sentinel.server.app:build_app", factory=True, host=host, port=port, workers=workers,
                loop="uvloop", http="httptools", ws_max_size=256 * 1024, log_level="warning")


if __name__ == "__main__":
    app()
