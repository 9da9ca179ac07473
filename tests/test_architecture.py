"""The layout's rules, checked on the source: one-way layers, one tier registry, one version.

docs/architecture.md describes these rules; this file keeps them true.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import yaml

import sentinel
from sentinel.data import load
from sentinel.models import TASK_IDS
from sentinel.tiers import REGISTRY, TIER_IDS

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "sentinel"


def _modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))}


def _imports(tree: ast.Module) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_world_imports_nothing_above_it():
    banned = (
        "sentinel.grading",
        "sentinel.agents",
        "sentinel.server",
        "sentinel.eval",
        "sentinel.training",
        "sentinel.live",
        "sentinel.env",
        "sentinel.scenarios",
    )
    for name, tree in _modules().items():
        if name.startswith("world/"):
            bad = sorted(m for m in _imports(tree) if m.startswith(banned))
            assert not bad, f"{name} imports {bad}"


def test_training_never_imports_eval_and_nothing_outside_env_imports_episode():
    for name, tree in _modules().items():
        imports = _imports(tree)
        if name.startswith("training/"):
            assert not [m for m in imports if m.startswith("sentinel.eval")], name
        if not name.startswith("env/"):
            assert "sentinel.env.episode" not in imports and "sentinel.env.episode.Episode" not in imports, name


def test_lower_layers_do_not_import_upper_ones():
    order = ["world", "scenarios", "grading", "agents", "env"]
    upper = {"server", "eval", "training", "live", "cli", "cli_training", "client"}
    for name, tree in _modules().items():
        package = name.split("/")[0].removesuffix(".py")
        if package not in order:
            continue
        allowed_above = order[order.index(package) + 1 :]
        for module in _imports(tree):
            parts = module.split(".")
            if parts[0] != "sentinel" or len(parts) < 2:
                continue
            target = parts[1]
            assert target not in upper and target not in allowed_above, f"{name} imports {module}"


def test_tier_names_are_literals_in_at_most_two_source_files():
    holders = []
    for name, tree in _modules().items():
        docs = _docstrings(tree)
        literals = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and id(n) not in docs
            and any(t in n.value for t in TIER_IDS)
        ]
        if literals:
            holders.append(name)
    assert sorted(holders) == ["models.py", "tiers.py"], holders


def test_registry_agrees_with_the_wire_literal_and_the_data_files():
    assert TIER_IDS == TASK_IDS
    responders = load("responders")
    assert set(responders["rates"]) == set(TIER_IDS)
    assert set(responders["stale"]) <= set(TIER_IDS)
    for tier in REGISTRY.values():
        assert tier.max_turns > 0 and tier.difficulty in ("easy", "medium", "hard")


def test_one_version_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    manifest = yaml.safe_load((ROOT / "openenv.yaml").read_text())["version"]
    assert sentinel.__version__ == pyproject == str(manifest)
