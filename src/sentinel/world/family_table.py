"""The families README's tables, generated from the family files (so the README cannot drift).

``python -m sentinel.world.family_table`` rewrites the block between the markers in
``world/families/README.md``; a test checks that the committed block is what this module renders.
Three tables: the families (tiers, held out, declared interventions), their contrast pairs (for
each remedy, the same tool on the same kind of service where it is harmful: the built-in Responder's
twin in the same scenario, and the families that declare it harmful), and the tool balance.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from sentinel.world.families import DECLARED_GROUPS, Family, all_families
from sentinel.world.tools import REMEDIATIONS

START, END = "<!-- families:start -->", "<!-- families:end -->"
GROUPS = DECLARED_GROUPS
README = Path(__file__).with_name("families") / "README.md"


def _spec_text(spec) -> str:
    text = f"{spec.action}:{spec.target}"
    if spec.replicas is not None:
        text += f":{spec.replicas}"
    elif spec.replicas_delta is not None:
        text += f":{spec.replicas_delta:+d}"
    return f"`{text}`"


def _cell(cells: Iterable[str]) -> str:
    return "<br>".join(cells) or "—"


def families_table(families: tuple[Family, ...]) -> str:
    lines = [
        "| id | title | root kinds | held out | severity | remedy | catastrophic | wrong | state decides "
        "| runbook steps |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in families:
        steps = ", ".join(f"`{s.name}`" for s in f.runbook) or "—"
        lines.append(
            f"| `{f.id}` | {f.title} | {', '.join(f.root.kinds)} | {'yes' if f.held_out else 'no'} | {f.severity} | "
            f"{_cell(map(_spec_text, f.remedy))} | {_cell(map(_spec_text, f.catastrophic))} | "
            f"{_cell(map(_spec_text, f.wrong))} | {_cell(map(_spec_text, f.state_decides))} | {steps} |"
        )
    return "\n".join(lines)


def contrast_table(families: tuple[Family, ...]) -> str:
    """For each remedy: where the same tool on the same kind of service is declared harmful."""
    harmful: dict[tuple[str, str], set[str]] = {}
    for f in families:
        for spec in (*f.catastrophic, *f.wrong):
            for kind in f.acts_on(spec):
                harmful.setdefault((spec.action, kind), set()).add(f.id)
    lines = [
        "| family | remedy | acts on | harmful elsewhere (declared) |",
        "|---|---|---|---|",
    ]
    for f in families:
        for spec in f.remedy:
            kinds = f.acts_on(spec)
            others = sorted({o for k in kinds for o in harmful.get((spec.action, k), set())} - {f.id})
            lines.append(
                f"| `{f.id}` | {_spec_text(spec)} | {', '.join(sorted(kinds))} | "
                f"{', '.join(f'`{o}`' for o in others) or '—'} |"
            )
    return "\n".join(lines)


def balance_table(families: tuple[Family, ...]) -> str:
    lines = ["| tool | " + " | ".join(GROUPS) + " |", "|---" * (len(GROUPS) + 1) + "|"]
    for tool in REMEDIATIONS:
        cells = []
        for group in GROUPS:
            declaring = [f for f in families if any(s.action == tool for s in getattr(f, group))]
            entries = sum(1 for f in families for s in getattr(f, group) if s.action == tool)
            cells.append(f"{len(declaring)} ({entries})")
        lines.append(f"| `{tool}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(families: tuple[Family, ...] | None = None) -> str:
    families = all_families() if families is None else families
    held = [f.id for f in families if f.held_out]
    return "\n".join(
        [
            f"{len(families)} families, {len(held)} held out ({', '.join(f'`{h}`' for h in held)}).",
            "",
            "### The families",
            "",
            families_table(families),
            "",
            "### Contrast pairs",
            "",
            "Every remedy has a twin in its own scenario: the built-in Responder's harmful intents mostly",
            "propose the same tool, parameter shape and kind of service aimed elsewhere (a victim or",
            "look-alike of the same kind, another flag), which the simulation labels harmful. The last",
            "column lists the families that also declare that tool on that kind harmful.",
            "",
            contrast_table(families),
            "",
            "### Tool balance",
            "",
            f"Families (of {len(families)}) declaring each state-changing tool in each list (entries in parentheses).",
            "",
            balance_table(families),
        ]
    )


def render_readme(text: str) -> str:
    """The README text with the generated block replaced."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{markdown()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    path = Path((argv or sys.argv[1:] or [str(README)])[0])
    path.write_text(render_readme(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
