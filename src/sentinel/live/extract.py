"""Find the code in what an agent sends: the whole text when it is a command or a statement,
otherwise fenced blocks, backtick spans, command lines of a plan, and commands introduced in a
sentence ("so I'm going to run redis-cli FLUSHALL on …"). A snippet that is only *mentioned*
(negated, explained, quoted from a log: "never run `rm -rf /`") is judged at most medium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from sentinel.live.commands import canonical, globbed, program_name, service_kinds, unwrap
from sentinel.live.context import Context
from sentinel.live.dispatch import judge
from sentinel.live.findings import UNRECOGNISED, Finding, capped
from sentinel.live.lexer import ASSIGNMENT, lex
from sentinel.live.powershell import folded
from sentinel.live.prose import asked, in_genre, judge_prose, mention_before, proposed_after
from sentinel.live.rules import ambiguous_programs, known_programs, pattern, rules
from sentinel.live.sql import looks_like_sql
from sentinel.live.windows import posix_paths

FENCE = re.compile(r"```([\w+-]*)[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
BACKTICK = re.compile(r"(?<!`)`([^`\n]{1,2000})`(?!`)")
LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|[$#>])\s+")
REDIRECT_START = re.compile(r"^\s*(?:\d?>>?|<)\s*[/~$]")
MONGO = re.compile(r"^\s*(?:db|rs|sh)\.\w+")
DRIVE = re.compile(r"^[A-Za-z]:[\\/]?$")
WORD = re.compile(r"[^\s`]+")
TOOL_CUE = re.compile(r"(?i)\b(?:with|using|via)\s*:?\s*$")  # "zero its disks with dd so …": names a tool
WORDS_THEN_PAREN = re.compile(r"[A-Za-z][\w'-]*(?:[ \t]+[\w'.,/-]+)+[ \t]+\(")
SENTENCE_END = re.compile(r"(?<=[^\s.])\.(?=\s|$)|[!?](?=\s|$)|\s(?:because|so that|in order to|which|since)\s")
LEADING_COMMENTS = re.compile(r"^(?:#(?!!)[^\n]*\n\s*)+")
ARTICLES = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "my", "our", "your", "them", "it", "everything"}
)
COMMAND_OPERATORS = ("|", "&&", ";", "$(", "`", ">", "<<", "<(")
SQL_VERBS = frozenset({"select", "delete", "drop", "update", "truncate", "alter", "grant", "insert", "revoke", "with"})
FENCE_LANGS = MappingProxyType(
    {
        "sql": "sql",
        "postgres": "sql",
        "postgresql": "sql",
        "mysql": "sql",
        "python": "python",
        "py": "python",
        "yaml": "config",
        "yml": "config",
        "groovy": "config",
        "jenkinsfile": "config",
    }
)
MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of code found in text, in a language; ``mentioned`` when the prose around it only
    talks about it."""

    lang: str
    text: str
    mentioned: bool = False
    guessed: bool = False  # a backtick span or fence that does not read as code: maybe a word, a flag
    block: bool = False  # a fenced block (quoted output, a log, a file), not a name in a sentence


@lru_cache(maxsize=512)
def _subcommands(program: str) -> frozenset[str]:
    """Words the rules know as a program's subcommands (``mc rb``, ``kill -9``, ``net stop``)."""
    rules_of = rules()["by_program"].get(program, ())
    return frozenset(a for rule in rules_of for a in (*rule.get("args", ()), *rule.get("one_of", ())))


def _defines_function(line: str, pos: int = 0) -> bool:
    """Whether a shell function definition starts at ``pos`` (``bomb() {``, ``function f {``)."""
    return bool(pattern(rules()["shapes"]["function_start"]).match(line, pos))


def _starts_known(words: list[str]) -> bool:
    """A command (after a pipe or a list operator) that starts with a program that is no English word."""
    words, _ = unwrap(words)
    program = program_name(words[0]) if words else ""
    return program in known_programs() and program not in ambiguous_programs()


def _introduces_command(words: list[str]) -> bool:
    """Whether words read as a sentence that introduces a command after a colon ("… the quick way:
    curl …"): a word ending in ``:`` followed by a known program."""
    return any(
        w.endswith(":") and program_name(nxt) in known_programs() for w, nxt in zip(words[:-1], words[1:], strict=False)
    )


def _early_backtick(line: str) -> bool:
    """Whether a backtick substitution starts within a line's first three words (later ones read as
    Markdown code spans in a sentence)."""
    at = line.find("`")
    return 0 <= at <= len(" ".join(line.split()[:3]))


def command_like(text: str, depth: int = 0) -> bool:
    """Whether a line reads as a shell command rather than a sentence: it starts with a known
    program (or an assignment), and a program that is also an English word ("kill", "find") is
    followed by something command-like (a flag, a path, a number, a subcommand, an operator)."""
    first = text.split("\n", 1)[0]
    if REDIRECT_START.match(first):  # > /etc/shadow
        return True
    line = posix_paths(LIST_MARK.sub("", first).strip()[:500])  # C:\Windows\System32\cmd.exe /c …
    if not line or depth > 2:
        return False
    if ASSIGNMENT.match(line) or line.startswith("$'") or ("{" in line and _defines_function(line)):
        return True
    commands = lex(line)
    words, _ = unwrap(commands[0].words) if commands else ([], False)
    if not words:  # exec 3<>/dev/tcp/…; cat <&3 | bash: a redirect only, then commands
        return bool(commands) and bool(commands[0].redirects) and any(_starts_known(c.words) for c in commands[1:8])
    if line.startswith("$") and 0 in commands[0].generated:  # $(tr a-z n-za-m <<< '…'), not a `span` of prose
        return True
    program = program_name(words[0])
    if words[0].endswith(":") and program_name(words[0][:-1]) in known_programs():
        return False  # "rm: cannot remove '/var/lib/docker/overlay2': Device or resource busy" is a log line
    if len(words) > 1 and words[1].lower() in ARTICLES and words[0].isalpha():  # "Remove the `x` namespace"
        return False
    if " " in words[0].strip() and not ("/" in words[0] and program in known_programs()):  # 'redis-cli FLUSHALL'
        return command_like(words[0], depth + 1)  # (not "C:/Program Files/…/pwsh.exe", a program's path)
    if program not in known_programs():
        if "-" in program and pattern(rules()["known"]["powershell_cmdlet"]).match(program):
            return True  # Invoke-Expression …, Set-ExecutionPolicy …
        if words[0].startswith("/") and (canonical(words) is not words or globbed(words[0])):  # /etc/init.d/x stop
            return True  # or /bin/r? -rf …
        if _introduces_command(words) or any(w.endswith(":") for w in words[:3]):  # "Commit message: fix(…)"
            return False
        if WORDS_THEN_PAREN.match(line):  # "Reviewing runbook step 7 (`mkfs …`)": a shell syntax error, prose
            return False
        return any(_starts_known(c.words) for c in commands[1:8])  # yes | rm -r /opt/*
    if program not in ambiguous_programs():
        return True
    if len(words) == 1:  # nothing after the program but wrappers: "sudo reboot"
        return line.rstrip().lower().endswith(words[0].lower()) or any(op in line for op in COMMAND_OPERATORS)
    nxt = words[1]
    if words[0][:1].isupper() and words[0][1:].islower() and nxt[:1] not in "-/~$'\"":
        return False  # "At 02:14 UTC an automation ran …", "Find the logs …": a sentence's first word
    return (
        nxt[:1] in "-/.~$'\""
        or nxt[:1].isdigit()
        or "/" in nxt
        or "=" in nxt
        or bool({w.lower() for w in words[1:4]} & _subcommands(program))
        or bool(service_kinds([nxt.lower()]))  # "stop mysql", "kill redis-server"
        or nxt.lower().endswith(tuple(rules()["interpreters"]["script_extensions"]))  # python manage.py
        or canonical(words) is not words  # php artisan db:wipe
        or bool(DRIVE.match(nxt))  # format D: /q
        or any(op in line for op in COMMAND_OPERATORS if op != "`")
        or _early_backtick(line)  # eval `cat cmd.txt` — not "Free up space by clearing out `/var/…`"
        or command_like(" ".join(words[1:]), depth + 1)  # eval rm -rf /srv, eval "rm -rf $HOME"
    )


def code_language(text: str) -> str | None:
    """The language of a text that is code as a whole: sql, mongo or shell (None for prose)."""
    if REDIRECT_START.match(text):
        return "shell"
    if "#cloud-config" in text[:200] and pattern(rules()["configs"]["file_start"]).match(text):
        return "config"  # a cloud-init file: the commands it runs at boot
    if pattern(rules()["shapes"]["script_start"]).match(text.lstrip()):  # #!/bin/bash, set -e, if [ … ]
        return "shell"
    if "%0" in text and pattern(rules()["shapes"]["windows_fork_bomb"], re.IGNORECASE).fullmatch(text.strip()):
        return "shell"  # %0|%0
    stripped = LIST_MARK.sub("", LEADING_COMMENTS.sub("", text.lstrip()))  # "# dotfiles bootstrap\nX=…"
    if looks_like_sql(stripped):
        return "sql"
    if MONGO.match(stripped):
        return "mongo"
    return "shell" if command_like(stripped) else None


def mentioned(preceding: str, following: str = "") -> bool:
    """Whether the words around a snippet say it is only talked about: a document's label at the start
    of the text, a mention cue before it, or words after it that only say what it does ("`rm -rf /`
    would delete …") — unless the words after it propose running it after all ("…; doing it now")."""
    if following and proposed_after(following):
        return False
    if following and pattern(rules()["prose_extract"]["described"]).match(following[:40].lower()):
        return True
    if following and pattern(rules()["prose_extract"]["listed"]).match(following[:160].lower()):
        return True  # `rm -rf /`, `mkfs` … to the deny list
    if following and asked(preceding[-160:].lower(), following[:200].lower()):  # should I run `…`?
        return True
    return in_genre(preceding) or mention_before(preceding[-160:].lower())


def _quoted(before: str, after: str) -> bool:
    """Whether a span sits inside a double-quoted passage of the prose (a drafted reply, a quote)."""
    line_before = before.rsplit("\n", 1)[-1]
    return line_before.count('"') % 2 == 1 and '"' in after.split("\n", 1)[0]


def _fenced_and_backticked(text: str) -> list[Snippet]:
    """Fenced blocks (their tag or their content decides the language) and backtick spans."""
    out = []
    for m in FENCE.finditer(text):
        body = m.group(2).strip()
        lang = FENCE_LANGS.get(m.group(1).lower()) or code_language(body)
        if body:
            talked_about = mentioned(text[: m.start()], text[m.end() :])
            out.append(Snippet(lang or "shell", body, talked_about, lang is None, block=True))
    unfenced = FENCE.sub(" ", text)
    for m in BACKTICK.finditer(unfenced):
        body = m.group(1).strip()
        if body:
            before, after = unfenced[: m.start()], unfenced[m.end() :]
            talked_about = mentioned(before, after) or _quoted(before, after)
            lang = code_language(body)
            out.append(Snippet(lang or "shell", body, talked_about, lang is None))
    return out


def _sentence_rest(line: str, start: int) -> str:
    """The rest of a sentence from ``start``: up to a full stop, ``?``, ``!`` or a conjunction."""
    rest = line[start:]
    m = SENTENCE_END.search(rest)
    return rest[: m.start()] if m else rest


def _inline(text: str) -> list[Snippet]:
    """Command lines of a plan, and commands a cue ("run", "execute", ":") introduces mid-sentence."""
    out = []
    cues = pattern(rules()["prose_extract"]["command_cues"], re.IGNORECASE)
    plain = BACKTICK.sub(" ", FENCE.sub(" ", text))
    for line in plain.split("\n")[:MAX_LINES]:
        body = LIST_MARK.sub("", line).strip()
        if body and code_language(body):
            out.append(Snippet(code_language(body) or "shell", body))
            continue
        braces = "{" in line
        for m in WORD.finditer(line):
            word = m.group().strip("'\"(").lower()
            if word not in SQL_VERBS and program_name(word) not in known_programs():
                if not (braces and _defines_function(line, m.start())):
                    continue
            preceding = line[max(0, m.start() - 60) : m.start()]
            cue = cues.search(preceding)
            if not cue:
                continue
            rest = _sentence_rest(line, m.start()).strip()
            lang = code_language(rest)
            if lang:  # "… with mysqladmin and re-import it": a tool named, maybe no command at all
                named = TOOL_CUE.search(cue.group(0)) is not None
                out.append(Snippet(lang, rest, mentioned(line[: m.start()]), guessed=named))
                break
    return out


def snippets(text: str) -> list[Snippet]:
    """The code in a text: all of it when it is code, otherwise what prose wraps (deduplicated)."""
    whole = code_language(text)
    if whole:
        return [Snippet(whole, text)]
    seen: set[str] = set()
    out = []
    for s in _fenced_and_backticked(text) + _inline(text):
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


def judge_text(text: str, ctx: Context) -> list[Finding]:
    """Findings for free text: its code snippets (mentions capped at medium), or its prose when it
    holds no code — or only what started like a statement and was no SQL ("Truncate the events
    table in production; it's too big")."""
    findings: list[Finding] = []
    found = snippets(folded(text))  # & ('Rem'+'ove-Item') … reads Remove-Item …
    for snip in found:
        judged = judge(snip.lang, snip.text, ctx)
        if snip.guessed:  # `--no-preserve-root`, `status`: not known to be a command at all
            judged = [f for f in judged if f.what != UNRECOGNISED]
        findings += capped(judged, "medium", "only mentioned", inert=True) if snip.mentioned else judged
        if any(f.severity == "catastrophic" for f in findings):
            break
    guessed_only = all(s.guessed and not s.block for s in found)
    if not findings and all(s.lang == "sql" or (s.guessed and not s.block) for s in found):
        findings += judge_prose(text)  # no code, only names in backticks, or "SQL" that did not parse
    elif found and guessed_only and all(f.severity == "low" for f in findings):
        findings += judge_prose(text)  # "zero its disks with dd so nothing is left": a tool named, not run
    return findings
