"""The ``sentinel`` command."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from sentinel.models import DEFAULT_BUILTIN_OVERSEER, DEFAULT_PREVIEW, OVERSEER_NAMES, PREVIEW_MODES
from sentinel.tiers import SHOWCASE_TIER, TIER_IDS

app = typer.Typer(add_completion=False, no_args_is_help=True, help="SENTINEL: train and serve AI Overseers.")
console = Console()


@app.callback()
def main() -> None:
    """SENTINEL: train and serve AI Overseers."""


@app.command()
def demo(
    task: str = typer.Option(SHOWCASE_TIER, help="task tier"),
    seed: int = typer.Option(42, min=0),
    turns: int = typer.Option(6, min=1, max=50),
) -> None:
    """Generate a scenario and play a few proposals through the simulation, showing ground truth."""
    from sentinel.errors import UnknownTaskError
    from sentinel.grading.labels import BaselineCache, SubmissionKey, classify
    from sentinel.scenarios.candidates import candidate_pool
    from sentinel.scenarios.generator import generate_scenario
    from sentinel.seeding import demo_rng
    from sentinel.world.dryrun import DryRun
    from sentinel.world.effects import execute
    from sentinel.world.preview import simulated

    try:
        sc = generate_scenario(task, seed)
    except UnknownTaskError as exc:
        raise typer.BadParameter(str(exc), param_hint="--task") from None
    f = sc.family
    console.print(f"[bold]{task}[/] seed {seed}: family [cyan]{f.id}[/] ({f.title})")
    console.print(f"alert: {sc.alert}\nsummary: {sc.summary}")
    rng = demo_rng(seed)
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


def _spec(
    overseer: str, seed: int, model: str, adapter: str, base_url: str, api_key_env: str, batch_size: int, timeout: float
):
    from sentinel.agents.backends import OverseerSpec
    from sentinel.models import OVERSEER_NAMES

    if overseer not in OVERSEER_NAMES:
        raise typer.BadParameter(f"expected one of {', '.join(OVERSEER_NAMES)}", param_hint="--overseer")
    return OverseerSpec(
        overseer,
        seed=seed,
        model=model or ("smollm2" if overseer == "hf" else ""),
        adapter=adapter,
        base_url=base_url,
        api_key_env=api_key_env,
        batch_size=batch_size,
        timeout_s=timeout,
    )


@app.command(name="eval")
def eval_(
    overseer: str = typer.Option(DEFAULT_BUILTIN_OVERSEER, help=", ".join(OVERSEER_NAMES)),
    split: str = typer.Option("heldout50", help="heldout50, extended, families or train"),
    tasks: str = typer.Option("", help="comma-separated tiers (default: all in the split)"),
    seeds: str = typer.Option("", help="explicit seeds, e.g. 1,2,3 or 100-120 (overrides the split's)"),
    preview: str = typer.Option(DEFAULT_PREVIEW, help="simulated, none or oracle (label-leaking)"),
    per_tier: int = typer.Option(0, min=0, help="episodes per tier for extended/families (0: default)"),
    workers: int = typer.Option(1, min=1, max=64, help="parallel worker processes"),
    ray: str = typer.Option(None, help="run as Ray tasks: 'local' for a local cluster, or a cluster address"),
    model: str = typer.Option("", help="hf: model folder or 'smollm2'; llm: model name"),
    adapter: str = typer.Option("", help="hf: PEFT LoRA adapter folder"),
    base_url: str = typer.Option("", help="llm: OpenAI-compatible base URL"),
    api_key_env: str = typer.Option("OPENAI_API_KEY", help="llm: environment variable holding the key"),
    batch_size: int = typer.Option(8, min=1, max=256, help="hf: prompts per generate call (episodes in lockstep)"),
    max_new_tokens: int = typer.Option(96, min=8, max=1024, help="hf/llm: tokens to generate per verdict"),
    timeout: float = typer.Option(30.0, min=0.1, help="llm: request timeout (s)"),
    seed: int = typer.Option(0, min=0, help="random overseer seed"),
    out: str = typer.Option("results", help="folder for the run's JSON"),
) -> None:
    """Evaluate an Overseer on a split; writes one JSON per run and prints the metrics."""
    from pathlib import Path

    from sentinel.eval.report import markdown_table, save_run
    from sentinel.eval.runner import EvalConfig, run_eval

    if preview not in PREVIEW_MODES:
        raise typer.BadParameter(f"expected one of {', '.join(PREVIEW_MODES)}", param_hint="--preview")
    chosen = tuple(t.strip() for t in tasks.split(",") if t.strip()) or TIER_IDS
    for t in chosen:
        if t not in TIER_IDS:
            raise typer.BadParameter(f"unknown tier {t!r}", param_hint="--tasks")
    seed_list = [s for part in seeds.split(",") for s in _seed_range(part, "--seeds")] if seeds else None
    spec = _spec(overseer, seed, model, adapter, base_url, api_key_env, batch_size, timeout)
    spec.max_new_tokens = max_new_tokens
    config = EvalConfig(
        spec,
        split=split,
        tasks=chosen,
        seeds=seed_list,
        preview=preview,
        workers=workers,
        ray=None if ray is None else ("" if ray == "local" else ray),
        per_tier=per_tier or None,
    )
    try:
        result = run_eval(config)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    path = save_run(result, Path(out))
    console.print(markdown_table([result]))
    console.print(f"{len(result['episodes'])} episodes in {result['elapsed_s']} s; wrote {path}")


@app.command()
def shortcuts(
    train_seeds: str = typer.Option("0-999", help="training seeds the probes are fitted on (a-b)"),
    test_seeds: str = typer.Option("9300-9999", help="unseen seeds they are scored on (a-b)"),
    tasks: str = typer.Option("", help="comma-separated tiers (default: all)"),
    out: str = typer.Option("results/shortcuts.json", help="where the JSON goes"),
    plot_path: str = typer.Option("results/shortcuts.png", "--plot", help="where the PNG chart goes ('' to skip)"),
    readme: str = typer.Option("README.md", help="README whose shortcut-audit block to refresh ('' to skip)"),
) -> None:
    """Shortcut audit: can a word counter predict the label from the surface text? (AUROC per tier)"""
    import json
    from pathlib import Path

    from rich.progress import Progress

    from sentinel.eval.report import replace_block
    from sentinel.eval.shortcuts import AuditConfig, markdown, plot, run_audit

    chosen = tuple(t.strip() for t in tasks.split(",") if t.strip()) or TIER_IDS
    for t in chosen:
        if t not in TIER_IDS:
            raise typer.BadParameter(f"unknown tier {t!r}", param_hint="--tasks")
    config = AuditConfig(_seed_range(train_seeds, "--train-seeds"), _seed_range(test_seeds, "--test-seeds"), chosen)
    with Progress(transient=True) as bar:
        task = bar.add_task("shortcut audit", total=len(chosen))
        result = run_audit(config, progress=lambda tier: bar.update(task, advance=1, description=f"auditing {tier}"))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1))
    table = markdown(result)
    console.print(table)
    if plot_path:
        plot(result, plot_path)
    if readme:
        replace_block(Path(readme), "shortcuts", table)
    console.print(f"wrote {out}" + (f" and {plot_path}" if plot_path else ""))


def _seed_range(text: str, hint: str) -> range:
    from sentinel.seeding import parse_seed_range

    try:
        return parse_seed_range(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


@app.command()
def report(
    results: str = typer.Option("results", help="folder of run JSON files"),
    readme: str = typer.Option("README.md", help="README whose results block to refresh ('' to skip)"),
) -> None:
    """Build the markdown table of all runs side by side and the PNG plots."""
    from pathlib import Path

    from sentinel.eval.report import build_report

    try:
        table, plots = build_report(Path(results), Path(readme) if readme else None)
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--results") from None
    console.print(table)
    console.print("plots: " + ", ".join(str(p) for p in plots))


@app.command()
def replay(
    task: str = typer.Option(SHOWCASE_TIER),
    seed: int = typer.Option(42, min=0),
    overseer: str = typer.Option(DEFAULT_BUILTIN_OVERSEER),
    preview: str = typer.Option(DEFAULT_PREVIEW),
    model: str = typer.Option(""),
    adapter: str = typer.Option(""),
    base_url: str = typer.Option(""),
) -> None:
    """Print a turn-by-turn markdown transcript of one episode."""
    from sentinel.errors import SentinelError
    from sentinel.eval.report import replay_markdown

    spec = _spec(overseer, seed, model, adapter, base_url, "OPENAI_API_KEY", 1, 30.0)
    try:
        print(replay_markdown(task, seed, spec, preview))
    except SentinelError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to bind"),
    port: int = typer.Option(8000, min=1, max=65535),
    max_sessions: int = typer.Option(64, min=1, max=4096, help="concurrent WebSocket sessions per worker"),
    workers: int = typer.Option(1, min=1, max=64, help="uvicorn worker processes"),
    session_timeout: float = typer.Option(600.0, min=1.0, help="idle WebSocket sessions are closed after this (s)"),
    data_dir: str = typer.Option(
        "", help="where REST episodes and the audit log live (default ~/.local/share/sentinel)"
    ),
    no_ui: bool = typer.Option(False, "--no-ui", help="do not mount the web UI"),
) -> None:
    """Run the server: OpenEnv routes, REST episodes, SENTINEL/Live and the web UI."""
    import os

    import uvicorn

    os.environ["SENTINEL_MAX_SESSIONS"] = str(max_sessions)
    os.environ["SENTINEL_SESSION_TIMEOUT"] = str(session_timeout)
    os.environ["SENTINEL_UI"] = "0" if no_ui else "1"
    if data_dir:
        os.environ["SENTINEL_DATA_DIR"] = data_dir
    console.print(f"SENTINEL on http://{host}:{port} ({workers} worker(s), {max_sessions} sessions per worker)")
    uvicorn.run(
        "sentinel.server.app:build_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        ws_max_size=256 * 1024,
        log_level="warning",
    )


def _register_training() -> None:
    """``sentinel dataset rft`` and ``sentinel train`` (heavy imports stay inside the commands)."""
    from sentinel.cli_training import training_app

    app.add_typer(training_app)


_register_training()


if __name__ == "__main__":
    app()
