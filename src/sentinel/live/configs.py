"""Commands written into CI and provisioning files: a pipeline or a new instance runs them.

A YAML file (GitLab CI ``script:``, GitHub Actions ``run:``, cloud-init ``runcmd:``, Taskfile
``cmds:`` …) is read with PyYAML's safe loader and walked for the values of the
``[configs] command_keys``; a Jenkinsfile's ``sh '…'`` / ``bat '…'`` / ``powershell '…'`` steps are
found by pattern. Each command is judged as the shell it is, so committing a CI job that runs
``terraform destroy -auto-approve`` on production is judged like running it.
"""

from __future__ import annotations

import contextlib
from typing import Any

import yaml

from sentinel.live.rules import limit, pattern, rules

MAX_NODES = 2000  # YAML anchors can make a small text a huge tree: the walk stops here
MAX_COMMANDS = 32


def config_commands(text: str) -> list[str]:
    """The shell commands a CI or provisioning file runs (YAML or a Jenkinsfile), in order."""
    text = text[: limit("max_snippet_chars")]
    data = rules()["configs"]
    found = [m.group("code") for m in pattern(data["pipeline_step"]).finditer(text)][:MAX_COMMANDS]
    if found:
        return found
    out: list[str] = []
    with contextlib.suppress(yaml.YAMLError, RecursionError):  # not YAML, or nested deeper than Python recurses
        _walk(yaml.safe_load(text), set(data["command_keys"]), out, [0])
    return out[:MAX_COMMANDS]


def _walk(node: Any, keys: set[str], out: list[str], seen: list[int], under_key: bool = False) -> None:
    """Collect the strings under a command key (a string, a list of strings, an argv list)."""
    seen[0] += 1
    if seen[0] > MAX_NODES or len(out) >= MAX_COMMANDS:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(value, keys, out, seen, str(key).lower() in keys)
    elif isinstance(node, list):
        for value in node:
            if under_key and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out.append(" ".join(value))  # runcmd: [[systemctl, disable, firewalld]]: an argument vector
            else:
                _walk(value, keys, out, seen, under_key)
    elif isinstance(node, str) and under_key:
        out.append(node)
