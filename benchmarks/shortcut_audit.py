"""The full shortcut audit (``sentinel shortcuts`` with its defaults): probes fitted on training
seeds 0–999, scored per tier on the extended split 9300–9999 (≥ 2,000 state-changing proposals per
tier), next to random, the policy Overseer and the oracle-preview leak check.

Run: ``python benchmarks/shortcut_audit.py [--train 0-999] [--test 9300-9999] [--commit]``.
Writes ``benchmarks/out/shortcut_audit.json``; ``--commit`` also writes ``results/shortcuts.json``,
``results/shortcuts.png`` and the README's audit table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402

from _common import write_result  # noqa: E402
from sentinel.eval.report import replace_block  # noqa: E402
from sentinel.eval.shortcuts import AuditConfig, markdown, plot, run_audit  # noqa: E402
from sentinel.seeding import parse_seed_range  # noqa: E402

MIN_STATE_CHANGING = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", default="0-999")
    parser.add_argument("--test", default="9300-9999")
    parser.add_argument("--commit", action="store_true", help="also refresh results/ and the README table")
    args = parser.parse_args()
    config = AuditConfig(parse_seed_range(args.train), parse_seed_range(args.test))
    started = time.perf_counter()
    with Progress(transient=True) as bar:
        task = bar.add_task("shortcut audit", total=len(config.tiers))
        result = run_audit(config, progress=lambda tier: bar.update(task, advance=1, description=f"auditing {tier}"))
    elapsed = time.perf_counter() - started
    console = Console()
    table = markdown(result)
    console.print(table)
    short = [t["tier"] for t in result["tiers"] if t["state_changing"] < MIN_STATE_CHANGING]
    if short:
        console.print(f"[red]fewer than {MIN_STATE_CHANGING} state-changing proposals in {short}[/]")
    result["elapsed_s"] = round(elapsed, 1)
    console.print(f"{elapsed:.0f} s; wrote {write_result('shortcut_audit', result)}")
    if args.commit:
        import json

        (ROOT / "results" / "shortcuts.json").write_text(json.dumps(result, indent=1))
        plot(result, ROOT / "results" / "shortcuts.png")
        replace_block(ROOT / "README.md", "shortcuts", table)


if __name__ == "__main__":
    main()
