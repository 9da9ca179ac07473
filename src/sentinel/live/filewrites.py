"""Tools that write a file (``write_file``, ``create_file``, ``append_to_file``, ``edit_file``, an
editor's ``create``): the write itself is the action, so it is judged by where it writes (a
sensitive file overwritten or appended to, a system file, a block device: ``writes``) and by what it
writes (a security setting turned off: ``[[weakening]]``). The content is never run, so it is never
judged as code: a runbook that mentions ``rm -rf /`` is only text. An edit that replaces a part of a
file is judged by its new text alone (no overwrite of the whole file).
"""

from __future__ import annotations

from typing import Any

from sentinel.live import settings
from sentinel.live.findings import Finding
from sentinel.live.normalize import clean
from sentinel.live.rules import rules
from sentinel.live.specials import emptied, writes


def _first(args: dict[str, Any], keys: list[str]) -> str | None:
    """The first of ``keys`` given as a string."""
    return next((clean(args[k]) for k in keys if isinstance(args.get(k), str)), None)


def _mode(words: set[str], args: dict[str, Any]) -> str:
    """How the tool writes: ``>`` (the whole file), ``>>`` (appended) or ``edit`` (a part replaced)."""
    data = rules()["tools"]["file_writes"]
    command = args.get("command")
    if isinstance(command, str) and command.lower() in data["create_commands"]:
        return ">"
    if words & set(data["append_verbs"]):
        return ">>"
    if words & set(data["edit_verbs"]) or "_".join(sorted(words)) in data["editors"]:
        return "edit"
    return ">"


def file_write(words: list[str], arguments: dict[str, Any]) -> list[Finding] | None:
    """Findings for a file-writing tool call (None when the tool writes no file)."""
    data = rules()["tools"]["file_writes"]
    names = set(words)
    tool = "_".join(words)
    if tool not in data["editors"] and not (names & set(data["verbs"]) and names & set(data["nouns"])):
        return None
    args = {k.lower(): v for k, v in list(arguments.items())[:32]}
    path = _first(args, data["path_args"])
    if not path:
        return None
    content = _first(args, data["content_args"]) or ""
    mode = _mode(names, args)
    evidence = f"{tool} {path}"[:300]
    findings = writes([(mode, path)], evidence) if mode != "edit" else []
    if mode == ">" and not content.strip():  # write_file {path: …/production.sqlite3, content: ""}: emptied
        findings += emptied([(mode, path)], None, evidence)
    weak = settings.written(path, content, evidence)
    if weak is not None:
        findings.append(weak)
    return findings or [Finding("tool_call", "file written", "low", path, evidence)]
