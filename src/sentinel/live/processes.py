"""Kills fed a listing of every process: ``kill -9 $(ps -e -o pid=)``, ``ps aux | awk '{print $2}' |
xargs kill``, ``kill $(pgrep .)``. A listing is of every process when its producer lists them all
(``ps -e``/``-A``/``aux``, ``pgrep`` of a pattern that matches anything or ``-v``) and no later stage
narrows it (a ``grep`` for something, an ``awk`` pattern, ``head``); ``kill $(pgrep nginx)`` kills
some processes, which the ``kill`` rule judges as it always did. Words are in ``[processes]``.
"""

from __future__ import annotations

from sentinel.live.commands import program_name, unwrap
from sentinel.live.findings import Finding
from sentinel.live.lexer import Command, lex
from sentinel.live.rules import members, rules

MAX_STAGES = 8


def _lists_every_process(words: list[str]) -> bool:
    """Whether a producer lists every process (``ps -e``, ``ps aux``, ``pgrep .``, ``pgrep -v sshd``)."""
    data = rules()["processes"]
    program, args = program_name(words[0]), words[1:]
    if program in members("interpreters", "objects", "every_process"):  # Get-Process, no name
        return not [a for a in args if not a.startswith("-")] and not {"-name", "-id"} & {a.lower() for a in args}
    if program in ("pgrep", "pidof"):
        patterns = [a for a in args if not a.startswith("-")]
        return program == "pgrep" and (
            "-v" in args or "--inverse" in args or bool(patterns) and patterns[-1] in data["match_all"]
        )
    if program != "ps":
        return False
    narrowing = members("processes", "narrowing_flags")
    if any(a in narrowing or a.split("=", 1)[0] in narrowing for a in args):
        return False
    every = members("processes", "every_flags")
    return any(
        a in every
        or (a[:1] == "-" and a[1:2] != "-" and ("e" in a[1:] or "A" in a[1:]))
        or (a[:1] != "-" and {"a", "x"} <= set(a))
        for a in args
    )


def _keeps_every(words: list[str]) -> bool:
    """Whether a later stage of the pipeline passes every line on (``awk '{print $2}'``, ``grep -v
    grep``, ``tail -n +2``), rather than picking some (``grep java``, ``awk '/java/ {…}'``, ``head``)."""
    program, args = program_name(words[0]), words[1:]
    if program == "grep":
        return "-v" in args or "--invert-match" in args
    if program == "awk":
        script = next((a for a in args if not a.startswith("-")), "")
        return script.lstrip().startswith("{")
    return program in members("processes", "passthrough")


def every_process(producer: Command | None) -> bool:
    """Whether the pipeline ending in ``producer`` lists every process."""
    chain: list[list[str]] = []
    while producer is not None and len(chain) < MAX_STAGES:
        words, _ = unwrap(producer.words)
        if not words:
            return False
        chain.append(words)
        producer = producer.stdin
    if not chain or producer is not None:
        return False
    return _lists_every_process(chain[-1]) and all(_keeps_every(w) for w in chain[:-1])


def killed_everything(cmd: Command, words: list[str], offset: int, via_xargs: bool) -> Finding | None:
    """``kill`` of a substitution or of piped input that lists every process."""
    if not (via_xargs or cmd.generated) or not words or program_name(words[0]) not in members("processes", "killers"):
        return None
    fed = via_xargs and every_process(cmd.stdin)
    listed = any(i > offset and every_process(_last(s)) for i, s in cmd.generated.items())
    if not (fed or listed):
        return None
    return Finding("shell", "every process killed", "catastrophic", "every process", " ".join(cmd.words)[:300])


def _last(script: str) -> Command | None:
    """The last command of a substitution's script (the one whose output it is)."""
    commands = lex(script[:1000])
    return commands[-1] if commands else None
