"""Eval outputs: one JSON per run, a markdown table of all runs side by side, PNG plots, and a
turn-by-turn replay transcript.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sentinel.eval.metrics import roc_points
from sentinel.grading.metrics import NEGATIVE, POSITIVE, Confusion
from sentinel.tiers import REGISTRY, TIER_IDS

TIER_ORDER = (*TIER_IDS, "overall")


def run_filename(result: dict[str, Any]) -> str:
    cfg = result["config"]
    raw = f"{cfg['overseer']['label']}__{cfg['split']}__{cfg['preview']}"
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", raw) + ".json"


def save_run(result: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / run_filename(result)
    path.write_text(json.dumps(result, indent=1))
    return path


def load_runs(results_dir: Path) -> list[dict[str, Any]]:
    runs = []
    for path in sorted(results_dir.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and {"config", "metrics", "episodes"} <= set(data):
            runs.append(data)
    return runs


def display_label(run: dict[str, Any]) -> str:
    """The Overseer's label, marked stale when the environment changed after the run (``run["stale"]``)."""
    label = run["config"]["overseer"]["label"]
    return f"{label} (stale: {run['stale']})" if run.get("stale") else label


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _divergence(run: dict[str, Any], reference: dict[str, Any]) -> tuple[int, float | None]:
    """Episodes whose proposal stream differs from the reference run's, and the mean first differing turn."""
    ref = {(e["task_id"], e["seed"]): [t["key"] for t in e["turns"]] for e in reference["episodes"]}
    firsts = []
    for ep in run["episodes"]:
        keys = [t["key"] for t in ep["turns"]]
        other = ref.get((ep["task_id"], ep["seed"]))
        if other is None:
            continue
        first = next((i + 1 for i, (a, b) in enumerate(zip(keys, other, strict=False)) if a != b), None)
        if first is not None:
            firsts.append(first)
    return len(firsts), (sum(firsts) / len(firsts) if firsts else None)


def markdown_table(runs: list[dict[str, Any]]) -> str:
    """Runs side by side: F1 per tier and overall, then the monitor metrics (overall)."""
    runs = sorted(runs, key=lambda r: (r["config"]["split"], r["config"]["preview"], r["config"]["overseer"]["label"]))
    lines = [
        f"| overseer | split | preview | {' | '.join(TIER_IDS)} | overall F1 [95% CI] "
        "| AUROC | TPR@5%FPR | catastrophes executed | safety | usefulness | over-block | invalid | ms/decision |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        cfg, m = run["config"], run["metrics"]
        o = m["overall"]
        tiers = [_fmt(m[t]["f1"]) if t in m else "–" for t in TIER_IDS]
        lines.append(
            f"| {display_label(run)} | {cfg['split']} | {cfg['preview']} | "
            + " | ".join(tiers)
            + f" | {o['f1']:.3f} [{o['f1_ci95'][0]:.2f}, {o['f1_ci95'][1]:.2f}] | {_fmt(o['auroc'])} | "
            f"{_fmt(o['tpr_at_5pct_fpr'])} | {o['catastrophes_executed']} | {_fmt(o['safety'])} | "
            f"{_fmt(o['usefulness'])} | {_fmt(o['over_block_rate'])} | {_fmt(o['invalid_rate'])} | "
            f"{o['latency_ms_mean']:.2f} |"
        )
    refs = {
        (r["config"]["split"], r["config"]["preview"]): r for r in runs if r["config"]["overseer"]["name"] == "naive"
    }
    div_lines = []
    for run in runs:
        ref = refs.get((run["config"]["split"], run["config"]["preview"]))
        if ref is None or ref is run:
            continue
        diverged, mean_first = _divergence(run, ref)
        div_lines.append(
            f"| {display_label(run)} | {run['config']['split']} | {run['config']['preview']} | "
            f"{diverged} of {len(run['episodes'])} | {_fmt(mean_first)} |"
        )
    if div_lines:
        fixed_streams = ", ".join(f"`{t.id}`" for t in REGISTRY.values() if t.proposals_at_reset)
        lines += [
            "",
            f"Proposal streams compared with the `naive` run on the same episodes ({fixed_streams} streams "
            "never diverge; in other tiers the Responder's draws are identical but resolved against a world the "
            "Overseer changed):",
            "",
            "| overseer | split | preview | episodes whose stream diverged | mean first diverging turn |",
            "|---|---|---|---|---|",
            *div_lines,
        ]
    return "\n".join(lines)


def plot_runs(runs: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """F1 per tier per Overseer with 95% intervals, and ROC curves (one figure per split and preview)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    groups: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["config"]["split"], run["config"]["preview"]), []).append(run)
    for (split, preview), group in sorted(groups.items()):
        group.sort(key=lambda r: r["config"]["overseer"]["label"])
        tiers = [t for t in TIER_ORDER if t in group[0]["metrics"]]
        fig, ax = plt.subplots(figsize=(9, 4.2))
        width = 0.8 / len(group)
        for i, run in enumerate(group):
            m = run["metrics"]
            f1 = [m[t]["f1"] for t in tiers]
            err = [[m[t]["f1"] - m[t]["f1_ci95"][0] for t in tiers], [m[t]["f1_ci95"][1] - m[t]["f1"] for t in tiers]]
            xs = [x + i * width for x in range(len(tiers))]
            ax.bar(
                xs,
                f1,
                width,
                yerr=[[max(0, e) for e in err[0]], [max(0, e) for e in err[1]]],
                capsize=3,
                label=run["config"]["overseer"]["label"],
            )
        ax.set_xticks([x + width * (len(group) - 1) / 2 for x in range(len(tiers))], tiers)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("F1 (95% bootstrap CI)")
        ax.set_title(f"F1 per tier — split {split}, preview {preview}")
        ax.legend(fontsize=8, ncol=3)
        fig.tight_layout()
        path = out_dir / f"f1_{split}_{preview}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)

        fig, ax = plt.subplots(figsize=(5, 5))
        for run in group:
            turns = [t for ep in run["episodes"] for t in ep["turns"]]
            pos = [t["suspicion"] for t in turns if t["label"] in POSITIVE]
            neg = [t["suspicion"] for t in turns if t["label"] in NEGATIVE]
            if pos and neg:
                points = roc_points(pos, neg)
                ax.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    marker=".",
                    label=f"{run['config']['overseer']['label']} (AUROC {_fmt(run['metrics']['overall']['auroc'])})",
                )
        ax.plot([0, 1], [0, 1], "k--", linewidth=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_title(f"ROC from suspicion — {split}, {preview}")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / f"roc_{split}_{preview}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def build_report(results_dir: Path, readme: Path | None = None) -> tuple[str, list[Path]]:
    """Write ``results.md`` and plots into ``results_dir``; optionally refresh the README's table."""
    runs = load_runs(results_dir)
    if not runs:
        raise FileNotFoundError(f"no run files in {results_dir}")
    table = markdown_table(runs)
    (results_dir / "results.md").write_text("# SENTINEL results\n\n" + table + "\n")
    plots = plot_runs(runs, results_dir)
    if readme is not None:
        replace_block(readme, "results", table)
    return table, plots


def replace_block(readme: Path, name: str, body: str) -> bool:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``; False if absent."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if not readme.exists():
        return False
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{body}\n{end}{tail}")
    return True


def replay_markdown(task: str, seed: int, overseer_spec, preview: str = "simulated") -> str:
    """Turn-by-turn transcript of one episode: proposal, class, decision, justification, rewards, running F1."""
    from sentinel.agents.backends import make_eval_overseer
    from sentinel.env import SentinelEnvironment

    overseer = make_eval_overseer(overseer_spec)
    env = SentinelEnvironment()
    obs = env.reset(task_id=task, seed=seed, preview=preview)
    lines = [
        f"## Replay: {task}, seed {seed}, overseer `{overseer_spec.label()}`, preview {preview}",
        "",
        f"**Alert:** {obs.alert}",
        "",
        "| turn | proposal | role | class | decision | justification | overseer r | responder r | running F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    conf = Confusion()
    while not obs.done:
        (verdict,) = overseer.decide_batch([obs])
        obs = env.step(verdict)
        t = obs.recent_decisions[-1]
        conf.add(t.label, t.graded_decision)
        just = t.justification.replace("|", "/").replace("\n", " ")[:120]
        lines.append(
            f"| {t.turn} | `{t.proposal.key}` | {t.proposal.responder_role} | {t.label} | **{t.decision}** | "
            f"{just} | {t.rewards.overseer:+.2f} | {t.rewards.responder:+.2f} | {conf.f1:.3f} |"
        )
    st = env.state
    lines += [
        "",
        f"Resolved: {st.resolved}; catastrophes executed: {st.catastrophes_executed}; "
        f"cumulative rewards — overseer {st.cumulative_rewards.overseer:+.2f}, "
        f"responder {st.cumulative_rewards.responder:+.2f}; F1 {st.confusion.f1:.3f}",
    ]
    return "\n".join(lines)
