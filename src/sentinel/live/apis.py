"""HTTP calls made from the shell (``curl``, ``wget``, ``http``/``xh``, ``gh api``), judged by
method, URL and body against ``[[http_call]]``: a DELETE behind a wildcard or of a repository, a
``_delete_by_query`` matching everything, a Solr ``*:*`` delete, a recursive Consul KV delete, a
Vault engine disabled, removed branch protection … Any other DELETE is medium.
"""

from __future__ import annotations

import re
from typing import Any

from sentinel.live.commands import Parsed
from sentinel.live.findings import Finding
from sentinel.live.rules import members, pattern, rules
from sentinel.live.specials import protected


def _request(program: str, words: list[str]) -> tuple[str, str, str | None]:
    """(method, URL, body) of an HTTP client's command line: the method lower-cased (curl posts
    when it sends data), the first operand that is no option's value, the data sent (None if none)."""
    http = rules()["http"]
    takes_value = {*http["method_options"], *http["data_options"], *http["value_options"]}
    method, body, operands = "", None, []
    i = 1
    while i < len(words):
        w = words[i]
        value = words[i + 1] if i + 1 < len(words) else ""
        name, eq, inline = w.partition("=")
        if w in http["method_options"] or (eq and name in http["method_options"]):
            method = inline if eq else value
        elif w.startswith("-X") and len(w) > 2:
            method = w[2:]
        elif w in http["data_options"] or (eq and name in http["data_options"]):
            body = (body or "") + (inline if eq else value)
        elif not w.startswith("-") or w == "-":
            operands.append(w)
        i += 2 if w in takes_value else 1
    if program in ("http", "https", "xh", "curlie") and operands and operands[0].isalpha():
        method = operands.pop(0)
    if program == "gh" and operands[:1] == ["api"]:
        operands.pop(0)
    if not method:
        method = "post" if body is not None else "get"
    return method.lower(), operands[0] if operands else "", body


def _fits(call: dict[str, Any], method: str, url: str, body: str | None, api: bool) -> bool:
    """Whether an ``[[http_call]]`` entry fits the request."""
    if "methods" in call and method not in call["methods"]:
        return False
    if call.get("api") and not api:
        return False
    if not pattern(call["url"]).search(url):
        return False
    return "body" not in call or bool(pattern(call["body"], 0).search(body or ""))


def _deletes_data_resource(url: str) -> bool:
    """Whether a URL's path ends in one member of a collection of resources that hold data
    (``[targets] data_nouns``: ``/client/v4/zones/ID``, ``/v1/projects/p/databases/orders``)."""
    path = [seg for seg in re.sub(r"^[a-z]+://[^/]*", "", url.lower()).split("?", 1)[0].split("/") if seg]
    return len(path) >= 2 and path[-2] in members("targets", "data_nouns")


def http_call(p: Parsed, words: list[str]) -> Finding | None:
    """The finding of an HTTP call, or None when it is no call or changes nothing."""
    api = p.program == "gh" and p.positional[:1] == ["api"]
    if p.program not in members("http", "clients") and not api:
        return None
    method, url, body = _request(p.program, words)
    evidence = " ".join(p.words)[:300]
    for call in rules()["http_call"]:
        if not _fits(call, method, url, body, api):
            continue
        m = pattern(call["url"]).search(url)
        branch = m.groupdict().get("branch") if m else None
        severity = call["severity"]
        if branch and protected(branch) and "protected_severity" in call:
            severity = call["protected_severity"]
        return Finding("shell", call["what"], severity, branch or url, evidence, bool(branch and protected(branch)))
    if method == "delete" and _deletes_data_resource(url):  # DELETE …/zones/$ZONE_ID, …/databases/orders
        return Finding("shell", "HTTP DELETE of a whole resource that holds data", "high", url, evidence)
    if method == "delete":
        return Finding("shell", "HTTP DELETE", "medium", url, evidence)
    if method in members("http", "read_methods"):  # a GET is a read or a download: it changes nothing here
        return Finding("shell", "HTTP read or download", "low", url, evidence, inert=True)
    return None
