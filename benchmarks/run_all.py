"""Run every benchmark under ``benchmarks/`` and write one combined report (JSON and markdown).

Run: ``python benchmarks/run_all.py`` (``make bench``). Each benchmark writes its own JSON into
``benchmarks/out/``; this script runs them in turn and gathers them into ``report.json`` and
``report.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SKIP = {"run_all.py", "_common.py"}


def _flatten(prefix: str, value, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, rows)
    elif not isinstance(value, list):
        rows.append((prefix, str(value)))


def main() -> None:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in SKIP)
    report, md = {}, ["# SENTINEL benchmark report", "", f"generated {time.strftime('%Y-%m-%d %H:%M:%S')}", ""]
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        name = script.stem
        result_file = OUT / f"{name}.json"
        if run.returncode != 0 or not result_file.exists():
            report[name] = {"error": f"exit code {run.returncode}"}
            continue
        report[name] = json.loads(result_file.read_text())
        report[name]["wall_s"] = round(time.perf_counter() - started, 1)
        rows: list[tuple[str, str]] = []
        _flatten("", report[name], rows)
        md += [f"## {name}", "", "| metric | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]
    OUT.mkdir(exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=2))
    (OUT / "report.md").write_text("\n".join(md))
    print(f"wrote {OUT / 'report.json'} and {OUT / 'report.md'}")
    if any("error" in r for r in report.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
