"""The Live rules (``data/live_rules.toml``), loaded and compiled once per process.

Everything the analyser knows about programs, paths, carriers and prose lives in the data file;
this module only indexes it (rules by program, regexes compiled, lists turned into sets).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sentinel.data import load


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """The rules file plus compiled views of it (callers must not mutate the result)."""
    data = dict(load("live_rules"))
    by_program: dict[str, list[dict[str, Any]]] = {}
    for rule in (*data["rule"], *_family_rules(data["cli_family"])):
        by_program.setdefault(rule["program"], []).append(rule)
    data["by_program"] = {k: tuple(v) for k, v in by_program.items()}
    data["prose_compiled"] = tuple((re.compile(p["pattern"]), p) for p in data["prose"])
    data["script_compiled"] = tuple((re.compile(s["pattern"], re.DOTALL), s["kind"]) for s in data["script"])
    data["mongo_compiled"] = tuple((re.compile(m["pattern"]), m) for m in data["mongo"])
    return data


def _family_rules(families: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[[cli_family]]`` verbs as ordinary rules, one per program and tier (after the explicit ones)."""
    out = []
    for family in families:
        for program in family["programs"]:
            for tier in family["tier"]:
                out.append({"program": program, **tier})
    return out


@lru_cache(maxsize=1)
def known_programs() -> frozenset[str]:
    """Every program name the analyser recognises as the start of a command."""
    r = rules()
    names = set(r["by_program"]) | set(r["readonly"]["programs"]) | set(r["readonly"]["checks"])
    names |= set(r["known"]["programs"])
    names |= set(r["wrappers"]["programs"]) - {"then", "do", "else", "!"}
    names |= set(r["wrappers"]["subcommands"]) | set(r["aliases"]["rules_of"])
    names |= set(r["aliases"]["task_scripts"]["scripts"]) | set(r["shell_setup"]["programs"])
    names |= set(r["interpreters"]["shells"]) | set(r["interpreters"]["python"]) | set(r["interpreters"]["script"])
    names |= set(r["sql_clients"]["options"]) | set(r["sql_clients"]["positional"])
    names |= set(r["datastores"]["redis"]) | set(r["datastores"]["mongo"]) | set(r["carriers"]["fleet"])
    names |= (
        set(r["interpreters"]["stdin"]["fetchers"]) | set(r["interpreters"]["decoders"]) | set(r["aliases"]["programs"])
    )
    return frozenset(names)


@lru_cache(maxsize=1)
def ambiguous_programs() -> frozenset[str]:
    """Program names that are also ordinary English words (``kill``, ``find``, ``drop``)."""
    return frozenset(rules()["known"]["ambiguous"])


@lru_cache(maxsize=128)
def members(*keys: str) -> frozenset[str]:
    """A list of the rules file as a set, for membership tests on the hot path
    (``members("readonly", "programs")``)."""
    node: Any = rules()
    for key in keys:
        node = node[key]
    return frozenset(node)


@lru_cache(maxsize=256)
def pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """A regex from the rules file, compiled once."""
    return re.compile(source, flags)


def limit(name: str) -> int:
    """One of the ``[limits]`` that bound the work done for a request."""
    return int(rules()["limits"][name])
