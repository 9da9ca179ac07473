"""A small, bounded shell lexer: simple commands with their words, redirects, heredocs, pipes and
the scripts of their substitutions, quotes removed and simple variables expanded.

Why not bashlex (which the first version used): it rejects heredocs with quoted delimiters,
``[[ … ]]`` and ``$(( … ))``, keeps adjacent quotes (``'r''m'`` stays ``r''m``) and mangles
``$'\\x72\\x6d'`` — each of them a known evasion. This lexer never fails: whatever it cannot
understand stays a literal word, and the work is linear in the input (which is size-limited).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SINGLE_QUOTED = re.compile(r"'[^']*'")
ANSI_C_QUOTED = re.compile(r"\$'(?:[^'\\]|\\.)*'")
# `$(which rm)`, `$(command -v rm)`, `$(type -P rm)`: the path of a program, i.e. that program.
RESOLVER = re.compile(r"\s*(?:which|command\s+-[vV]|type\s+-[pP]|whence(?:\s+-p)?)\s+([\w.+-]{1,64})\s*")
DQ_RUN = re.compile(r'[^"\\$`]+|\\')
WORD_RUN = re.compile(r"[^\s'\"\\$`<>|&;()#]+")
REDIRECT = re.compile(r"&>>|&>|<<<|<<-|<<|<>|>>|>\||>&|<&|>|<")
SUB_MARK = "\x00sub:"  # an environment value that is the output of a command substitution
LIST_MARK = "\x00list:"  # an environment value that is each of several words in turn (a for loop)
ITEMS = "\x1f"  # separates the items a loop variable stands for inside its one word
MAX_COMMANDS = 256
MAX_WORDS = 256
MAX_VALUE = 4000
MAX_EXPANSION = 16000
MAX_GROUP = 16  # commands of a group whose outputs are followed into a pipe
DECLARATIONS = ("export", "declare", "local", "readonly", "typeset")
_ANSI_C = MappingProxyType({"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"})


@dataclass(slots=True)
class Command:
    """One simple command: words (program first), redirects ``(op, target-or-body)``, the scripts
    of its command and process substitutions, which words are the output of a substitution (their
    value is unknown: "everything listed"), and the command whose output it reads (a pipe)."""

    words: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    procsubs: dict[int, str] = field(default_factory=dict)
    generated: dict[int, str] = field(default_factory=dict)
    stdin: Command | None = None
    truncated: bool = False  # words (or the commands after it) were dropped at a bound
    group: tuple[Command, ...] = ()  # `{ a; b; } | c`: every command of the group writes c's input


def balanced_end(
    text: str, start: int, opening: str, closing: str, limit: int | None = None, quotes: str = "'\""
) -> int | None:
    """The index of the ``closing`` that balances an ``opening`` just before ``start`` (nested
    pairs counted; backslash-escaped characters and text in ``quotes`` skipped, ``\\"`` inside
    double quotes included), or None when there is none within ``limit`` characters."""
    depth, j = 1, start
    n = len(text) if limit is None else min(len(text), start + limit)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c in quotes:
            j = _quote_end(text, j, n)
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return None


def _quote_end(text: str, j: int, n: int) -> int:
    """Just past the quote that closes the one at ``text[j]`` (``n`` when none does): single quotes
    take no escapes, double quotes take backslash escapes."""
    q, k = text[j], j + 1
    while True:
        end = text.find(q, k, n)
        if end < 0:
            return n
        if q == "'":
            return end + 1
        backslashes = end - len(text[k:end].rstrip("\\")) - k  # an odd run escapes the quote
        if backslashes % 2 == 0:
            return end + 1
        k = end + 1


def _matching(s: str, i: int, opening: str, closing: str) -> int:
    """Index just past the ``closing`` that balances the ``opening`` at ``s[i]``; the end of the
    text when it is unbalanced."""
    end = balanced_end(s, i + 1, opening, closing)
    return len(s) if end is None else end + 1


PARAMETER = re.compile(r"([A-Za-z_]\w*)(?::?([-=+?])(.*)|:(\s*-?\d+(?::\s*-?\d+)?))?", re.DOTALL)
# Variables every shell has set, for `${NAME:OFFSET:LENGTH}` of one the script never assigned: what
# matters is how they start (`${PATH:0:1}` is `/`).
SHELLS = MappingProxyType({"SHELL": "/bin/sh", "BASH": "/bin/bash"})  # ${SHELL} -c …: a shell, whichever
SHELL_VARIABLES = MappingProxyType({"PATH": "/usr/local/bin:/usr/bin:/bin", "PWD": "/", **SHELLS})


KNOWN_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
# A brace expansion standing alone (`{rm,-rf,/home}`): its items become words.
BRACE_LIST = re.compile(r"\{([^{}\s'\"$`]*,[^{}\s'\"$`]*)\}(?=[\s;|&)]|$)")
OPERATOR_EXPANSION = re.compile(
    r"!(?P<ref>[A-Za-z_]\w*)|(?P<name>[A-Za-z_]\w*)(?P<op>//|/|\^\^|,,|\^|,)(?P<arg>.*)", re.DOTALL
)
# $0 … $9, $@ and $* are read from these names, which `set -- …` sets (`sh -c CODE ARG0 ARG1 …` is
# read by its carrier, which writes the arguments into CODE).
POSITIONAL_NAMES = MappingProxyType({str(k): f"__arg{k}" for k in range(10)} | {"@": "__args", "*": "__args"})


def _operated(value: str, op: str, arg: str) -> str | None:
    """A known value after ``/``, ``//`` (a literal pattern), ``^^``, ``,,``, ``^``, ``,``."""
    if op in ("/", "//"):
        pattern_, _, replacement = arg.partition("/")
        if not pattern_ or any(ch in pattern_ for ch in "*?["):
            return None
        return value.replace(pattern_, replacement, -1 if op == "//" else 1)
    if op == "^^":
        return value.upper()
    if op == ",,":
        return value.lower()
    if op == "^":
        return value[:1].upper() + value[1:]
    return value[:1].lower() + value[1:]


ARITHMETIC = re.compile(r"[\d\s+\-*/%()]{1,64}")


def _arithmetic(expr: str) -> str | None:
    """The value of ``$((…))`` over integer literals only (``3+4`` → ``7``), or None."""
    if not ARITHMETIC.fullmatch(expr) or not any(ch.isdigit() for ch in expr):
        return None
    try:
        value = _integer(ast.parse(expr, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError):
        return None
    return str(value) if value is not None and abs(value) < 10**12 else None


INTEGER_OPS = MappingProxyType(
    {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__, ast.Div: int.__floordiv__, ast.Mod: int.__mod__}
)


def _integer(node: ast.expr) -> int | None:
    """An integer expression of literals, ``+ - * / %`` and unary minus (shell arithmetic)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and type(node.op) in INTEGER_OPS:
        left, right = _integer(node.left), _integer(node.right)
        if left is None or right is None or abs(left) > 10**9 or abs(right) > 10**9:
            return None
        return INTEGER_OPS[type(node.op)](left, right)
    return None


def _substring(value: str, spec: str) -> str | None:
    """``${NAME:OFFSET:LENGTH}`` of a value (a negative offset counts from the end)."""
    parts = [int(x) for x in spec.replace(" ", "").split(":")]
    start = parts[0] if parts[0] >= 0 else max(len(value) + parts[0], 0)
    if len(parts) == 1:
        return value[start:]
    length = parts[1]
    return value[start : start + length] if length >= 0 else value[start : len(value) + length]


def decode_ansi_c(body: str) -> str:
    """The value of a ``$'…'`` string: ``\\xHH``, ``\\uHHHH``, octal and the usual letters."""
    out, j, n = [], 0, len(body)
    while j < n:
        c = body[j]
        if c != "\\" or j + 1 >= n:
            out.append(c)
            j += 1
            continue
        e = body[j + 1]
        m = re.match(r"x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|([0-7]{1,3})", body[j + 1 :])
        if m:
            out.append(chr(int(m.group(1) or m.group(2), 16) if (m.group(1) or m.group(2)) else int(m.group(3), 8)))
            j += 1 + m.end()
            continue
        out.append(_ANSI_C.get(e, e))
        j += 2
    return "".join(out)


def _printed(script: str) -> str | None:
    """What a substitution's script prints when it is ``echo`` or ``printf`` of literal text only
    (no expansion, no other command); None otherwise."""
    head = script.lstrip()[:7]
    unquoted = SINGLE_QUOTED.sub("''", ANSI_C_QUOTED.sub("''", script))  # printf 'DROP TABLE %s;' x; $'\x44
    if not head.startswith(("echo ", "printf ")) or any(ch in unquoted for ch in "$`|;&<>()\n"):
        return None
    commands = _Lexer(script, {}).run()
    if len(commands) != 1 or commands[0].subs or commands[0].redirects:
        return None
    words = commands[0].words
    args = [w for w in words[1:] if not (words[0] == "echo" and re.fullmatch(r"-[neE]+", w))]
    if words[0] == "printf" and args:
        fmt, rest = args[0], args[1:]
        text = decode_ansi_c(fmt).replace("%s", " ".join(rest), 1) if "%" in fmt else decode_ansi_c(fmt)
        return text
    return " ".join(args)


class _Lexer:
    """The scanner's state; one instance per call of :func:`lex`."""

    def __init__(self, text: str, env: dict[str, str]) -> None:
        self.s, self.i, self.n = text, 0, len(text)
        self.env = env
        self.commands: list[Command] = []
        self.cur = Command()
        self.parts: list[str] = []
        self.started = False
        self.only_sub: str | None = None  # the word so far is exactly one substitution's output
        self.redirect: str | None = None
        self.heredocs: list[tuple[Command, str, bool]] = []
        self.expanded = 0  # characters produced by variable expansion so far
        self.open_groups: list[int] = []  # where each open `(`/`{` group starts in `commands`
        self.closed_group: int | None = None  # the start of a group closed just now

    # -- words ------------------------------------------------------------------------------
    def lit(self, text: str) -> None:
        """Append literal text to the current word."""
        self.parts.append(text)
        if text:
            self.only_sub = None
        self.started = True

    def sub(self, script: str, placeholder: str) -> None:
        """Append a command substitution: its script is judged, its output is unknown."""
        so_far = "".join(self.parts)
        only = not so_far or bool(re.fullmatch(r"[A-Za-z_]\w*=", so_far))
        self.parts.append(placeholder)
        script = self.with_known(script)
        self.cur.subs.append(script)
        self.only_sub = script if only else None
        self.started = True

    def with_known(self, script: str) -> str:
        """A substitution's script with the plain variables assigned before it written in (``s=…;
        $(rev <<< $s)``): the script is judged on its own, away from this environment."""
        if "$" not in script or not self.env:
            return script

        def known(m: re.Match[str]) -> str:
            value = self.env.get(m.group(1) or m.group(2))
            plain = value is not None and not value.startswith((SUB_MARK, LIST_MARK))
            return "'" + value.replace("'", "'\\''") + "'" if plain and value is not None else m.group(0)

        return KNOWN_VARIABLE.sub(known, script)

    def finish_word(self) -> None:
        """Close the current word: a redirect target, a heredoc delimiter or a command word."""
        if not self.started:
            return
        text = "".join(self.parts)
        if self.redirect is not None:
            if self.redirect in ("<<", "<<-"):
                self.heredocs.append((self.cur, text, self.redirect == "<<-"))
            elif not (self.redirect in (">&", "<&") and re.fullmatch(r"[012]?-?", text)):  # 2>&1 is no file
                self.cur.redirects.append((self.redirect, text))
            self.redirect = None
        elif len(self.cur.words) < MAX_WORDS:
            if self.only_sub is not None:
                self.cur.generated[len(self.cur.words)] = self.only_sub
            self.cur.words.append(text)
        else:
            self.cur.truncated = True
        self.parts, self.started, self.only_sub = [], False, None

    def assign(self, words: list[str], generated: dict[int, str]) -> None:
        """Remember ``NAME=value`` words for the commands that follow."""
        for k, word in enumerate(words):
            if ASSIGNMENT.match(word):
                name, _, value = word.partition("=")
                value = SUB_MARK + generated[k] if k in generated else value
                self.env[name] = value[:MAX_VALUE]  # X=$X$X repeated must not grow without bound

    def loop(self, cmd: Command) -> None:
        """``for NAME in WORDS``: NAME is one word standing for each item (``ITEMS`` between them;
        a substitution's output: everything listed), so ``rm -rf "$d"`` in the body is judged on all
        of them and ``ssh "$h" CODE`` still has one host word."""
        subs = [cmd.generated[i] for i in range(3, len(cmd.words)) if i in cmd.generated]
        value = SUB_MARK + subs[0] if subs else LIST_MARK + ITEMS.join(cmd.words[3:])
        self.env[cmd.words[1]] = value[:MAX_VALUE]

    def end_command(self, pipe: bool = False) -> None:
        """Close the current simple command; a pipe makes it the next command's input."""
        self.finish_word()
        cmd = self.cur
        if cmd.words and cmd.words[0] in DECLARATIONS:  # export X=1: an assignment all the same
            self.assign(cmd.words[1:], {i - 1: v for i, v in cmd.generated.items()})
        if cmd.words[:2] == ["set", "--"]:  # set -- rm -rf /: the positional parameters "$@", $1 …
            self.env[POSITIONAL_NAMES["@"]] = " ".join(cmd.words[2:])[:MAX_VALUE]
            for k, word in enumerate(cmd.words[2:11], start=1):
                self.env[POSITIONAL_NAMES[str(k)]] = word[:MAX_VALUE]
        if len(cmd.words) > 3 and cmd.words[0] == "for" and cmd.words[2] == "in" and NAME.fullmatch(cmd.words[1]):
            self.loop(cmd)
        lead = 0
        while lead < len(cmd.words) and ASSIGNMENT.match(cmd.words[lead]):
            lead += 1
        if lead == len(cmd.words):  # bare assignments set variables for what follows
            self.assign(cmd.words, cmd.generated)
        if lead:  # FOO=1 cmd: the assignments are the command's own environment, not words
            cmd.words = cmd.words[lead:]
            cmd.generated = {i - lead: v for i, v in cmd.generated.items() if i >= lead}
            cmd.procsubs = {i - lead: v for i, v in cmd.procsubs.items() if i >= lead}
        if (cmd.words or cmd.redirects or cmd.subs) and len(self.commands) < MAX_COMMANDS:
            self.commands.append(cmd)
        elif cmd.words or cmd.redirects or cmd.subs:
            self.commands[-1].truncated = True
        if pipe and not cmd.words and self.commands:  # ( … ) | cmd: the group's commands feed it
            start = self.closed_group if self.closed_group is not None else len(self.commands) - 1
            cmd = replace(self.commands[-1], group=tuple(self.commands[start:][:MAX_GROUP]))
        self.cur = Command(stdin=cmd if pipe and cmd.words else None)

    # -- expansions --------------------------------------------------------------------------
    def parameter(self, body: str, quoted: bool, raw: str) -> None:
        """``${NAME}``, ``${NAME:-default}``/``:=`` (the default when unset), ``${NAME:?}`` (an error
        when unset: the script stops, so an unknown one stays as written), ``${NAME:+alt}`` (``alt``
        when set, nothing when not) and ``${NAME:OFFSET:LENGTH}`` of a known value or of a variable
        every shell sets (``${PATH:0:1}`` is ``/``, ``SHELL_VARIABLES``)."""
        m = PARAMETER.fullmatch(body)
        if m is None:
            self.operator_expansion(body, quoted, raw)
            return
        name, op, arg, spec = m.group(1), m.group(2), m.group(3), m.group(4)
        if spec is not None:
            value = self.env.get(name, SHELL_VARIABLES.get(name))
            cut = _substring(value, spec) if value is not None and not value.startswith((SUB_MARK, LIST_MARK)) else None
            self.insert(cut, quoted) if cut else self.lit(raw if cut is None else "")
        elif op == "+":
            self.insert(arg or "", quoted) if name in self.env else self.lit("")
        else:  # no operator, `-` or `=`: the default when unset; `?`: stays as written when unset
            self.expand(name, None if op == "?" else arg, quoted, raw)

    def operator_expansion(self, body: str, quoted: bool, raw: str) -> None:
        """``${!REF}`` (the variable REF names), ``${NAME/PAT/REP}`` and ``${NAME//PAT/REP}`` (a
        literal pattern replaced once or everywhere), ``${NAME^^}``/``${NAME,,}`` (upper or lower
        case) of a known value; anything else stays as written."""
        m = OPERATOR_EXPANSION.fullmatch(body)
        value = None
        if m is not None and m.group("ref"):
            target = self.env.get(m.group("ref"))
            value = self.env.get(target) if target and NAME.fullmatch(target) else None
        elif m is not None:
            known = self.env.get(m.group("name"))
            if known is not None and not known.startswith((SUB_MARK, LIST_MARK)):
                value = _operated(known, m.group("op"), m.group("arg") or "")
        if value is None or value.startswith((SUB_MARK, LIST_MARK)) or self.expanded + len(value) > MAX_EXPANSION:
            self.lit(raw)
            return
        self.expanded += len(value)
        self.insert(value, quoted)

    def expand(self, name: str, default: str | None, quoted: bool, raw: str) -> None:
        """A variable: its value from an earlier assignment (or its default), split into words
        when unquoted; ``$IFS`` is a word break; an unknown variable stays as written."""
        value = " " if name == "IFS" else self.env.get(name, default if default is not None else SHELLS.get(name))
        if value is None or self.expanded + len(value) > MAX_EXPANSION:
            self.lit(raw)
            return
        self.expanded += len(value)
        if value.startswith(SUB_MARK):  # its output is unknown: the word keeps the variable's name
            self.sub(value[len(SUB_MARK) :], raw)
        elif value.startswith(LIST_MARK):  # a loop variable: one word standing for each item
            self.lit(value[len(LIST_MARK) :])
        else:
            self.insert(value, quoted)

    def insert(self, value: str, quoted: bool) -> None:
        """Known text where an expansion stood: one word when quoted, split into words otherwise."""
        if quoted:
            self.lit(value)
        else:
            ifs = self.env.get("IFS")
            pieces = value.split() if ifs is None else [x for x in re.split(f"[{re.escape(ifs)}]+", value) if x]
            if value[:1].isspace():
                self.finish_word()
            for k, piece in enumerate(pieces):
                if k:
                    self.finish_word()
                self.lit(piece)
            if value[-1:].isspace():
                self.finish_word()

    def dollar(self, quoted: bool) -> None:
        """``$'…'``, ``$((…))``, ``$(…)``, ``${…}``, ``$NAME`` and the special parameters."""
        s, i = self.s, self.i
        nxt = s[i + 1 : i + 2]
        if nxt == "'" and not quoted:
            end = i + 2
            while end < self.n and s[end] != "'":
                end += 2 if s[end] == "\\" else 1
            self.lit(decode_ansi_c(s[i + 2 : end]))
            self.i = end + 1
        elif s.startswith("$((", i):
            self.i = _matching(s, i + 1, "(", ")")
            self.lit(_arithmetic(s[i + 3 : self.i - 2]) or s[i : self.i])  # chmod 4$((3+4))55
        elif nxt == "(":
            self.i = _matching(s, i + 1, "(", ")")
            self.substitution(s[i + 2 : self.i - 1], s[i : self.i], quoted)
        elif nxt == "{":
            self.i = _matching(s, i + 1, "{", "}")
            self.parameter(s[i + 2 : self.i - 1], quoted, s[i : self.i])
        elif m := NAME.match(s, i + 1):
            self.i = m.end()
            self.expand(m.group(), None, quoted, s[i : self.i])
        elif nxt in POSITIONAL_NAMES and POSITIONAL_NAMES[nxt] in self.env:
            self.i = i + 2  # set -- rm -rf /; "$@" — or sh -c '$0 $1' rm -rf
            self.expand(POSITIONAL_NAMES[nxt], None, quoted and nxt not in "@*", s[i : self.i])
        elif nxt in ("@", "*") and self.parts:  # r$@m -rf …: no arguments were given, so nothing
            self.i = i + 2
            self.lit("")
        else:
            self.i = i + (2 if nxt and nxt in "@*#?$!-0123456789" else 1)
            self.lit(s[i : self.i])

    def in_assignment(self) -> bool:
        """Whether the word being read is the value of an assignment (``c=$(printf 'rm -rf /')``):
        the shell does not split it into words."""
        return bool(ASSIGNMENT.match("".join(self.parts))) and all(ASSIGNMENT.match(w) for w in self.cur.words)

    def substitution(self, script: str, placeholder: str, quoted: bool) -> None:
        """``$(…)``: what ``echo``/``printf`` of literal text prints is known text (``rm -rf
        $(echo /)``, ``x=$(printf '\\x72\\x6d')``), and ``$(which rm)`` is the program ``rm``;
        anything else is an unknown output."""
        resolved = RESOLVER.fullmatch(script)
        printed = resolved.group(1) if resolved else _printed(script)
        if printed is not None and self.expanded + len(printed) <= MAX_EXPANSION:
            self.expanded += len(printed)
            self.insert(printed, quoted or self.in_assignment())
        else:
            self.sub(script, placeholder)

    def backtick(self, quoted: bool = False) -> None:
        """An old-style command substitution."""
        end = self.s.find("`", self.i + 1)
        end = self.n if end < 0 else end
        self.substitution(self.s[self.i + 1 : end], self.s[self.i : end + 1], quoted)
        self.i = end + 1

    def dquote(self) -> None:
        """A double-quoted string: escapes, expansions and substitutions, no word splitting."""
        self.started = True
        self.i += 1
        s = self.s
        while self.i < self.n and s[self.i] != '"':
            c = s[self.i]
            if c == "\\" and s[self.i + 1 : self.i + 2] in ("$", "`", '"', "\\", "\n"):
                self.lit(s[self.i + 1].replace("\n", ""))
                self.i += 2
            elif c == "$":
                self.dollar(quoted=True)
            elif c == "`":
                self.backtick(quoted=True)
            else:
                m = DQ_RUN.match(s, self.i)
                end = m.end() if m else self.i + 1
                self.lit(s[self.i : end])
                self.i = end
        self.i += 1

    # -- operators ---------------------------------------------------------------------------
    def operator(self, c: str) -> None:
        """Pipes, lists, groups, redirects and process substitutions."""
        s, i = self.s, self.i
        nxt = s[i + 1 : i + 2]
        if c in "<>" and nxt == "(":
            end = _matching(s, i + 1, "(", ")")
            self.finish_word()
            self.cur.procsubs[len(self.cur.words)] = s[i + 2 : end - 1]
            self.sub(s[i + 2 : end - 1], s[i:end])
            self.i = end
        elif c in "<>" or (c == "&" and nxt == ">"):
            m = REDIRECT.match(s, i)
            op = m.group() if m else c
            if self.started and "".join(self.parts).isdigit():  # 2> file: the digits are a descriptor
                self.parts, self.started = [], False
            self.finish_word()
            self.redirect = {"&>": ">", ">|": ">", "&>>": ">>"}.get(op, op)
            self.i = i + len(op)
        elif c == "|":
            self.end_command(pipe=nxt != "|")
            self.i = i + (2 if nxt in ("|", "&") else 1)
        elif c == "&":
            self.end_command()
            self.i = i + (2 if nxt == "&" else 1)
        else:  # ; ( ) and the braces of a group
            self.end_command()
            self.closed_group = None
            if c in "({":
                self.open_groups.append(len(self.commands))
            elif c in ")}" and self.open_groups:
                self.closed_group = self.open_groups.pop()
            self.i = i + 1

    def heredoc_bodies(self) -> None:
        """After a line break: the bodies of the heredocs opened on that line."""
        s = self.s
        for cmd, delim, strip_tabs in self.heredocs:
            lines = []
            while self.i < self.n:
                end = s.find("\n", self.i)
                end = self.n if end < 0 else end
                line = s[self.i : end]
                self.i = min(end + 1, self.n)
                if (line.lstrip("\t") if strip_tabs else line).strip() == delim:
                    break
                lines.append(line)
            cmd.redirects.append(("<<", "\n".join(lines)))
        self.heredocs = []

    def run(self) -> list[Command]:
        """Scan the whole text."""
        s = self.s
        while self.i < self.n:
            c = s[self.i]
            nxt = s[self.i + 1 : self.i + 2]
            if c == " ":
                self.finish_word()
                self.i += 1
            elif c == "\n":
                self.end_command()
                self.i += 1
                self.heredoc_bodies()
            elif c == "#" and not self.started:
                end = s.find("\n", self.i)
                self.i = self.n if end < 0 else end
            elif c == "\\":
                if nxt != "\n":
                    self.lit(nxt)
                self.i += 2
            elif c == "'":
                end = s.find("'", self.i + 1)
                end = self.n if end < 0 else end
                self.lit(s[self.i + 1 : end])
                self.i = end + 1
            elif c == '"':
                self.dquote()
            elif c == "$":
                self.dollar(quoted=False)
            elif c == "`":
                self.backtick()
            elif c in "<>|&;()":
                self.operator(c)
            elif c == "{" and not self.started and (brace := BRACE_LIST.match(s, self.i)):
                for item in brace.group(1).split(",")[:MAX_WORDS]:  # {rm,-rf,/home}: one word each
                    self.lit(item)
                    self.finish_word()
                self.i = brace.end()
            elif c in "{}" and not self.started and nxt in ("", " ", "\n", ";", "|", ")"):
                self.operator(c)
            elif c == "#":
                self.lit(c)
                self.i += 1
            else:
                m = WORD_RUN.match(s, self.i)
                end = m.end() if m else self.i + 1
                self.lit(s[self.i : end])
                self.i = end
        self.end_command()
        self.heredoc_bodies()
        return self.commands


def lex(text: str, env: dict[str, str] | None = None) -> list[Command]:
    """Every simple command of a shell script, in order (pipelines, lists, groups, loops and
    function bodies flattened). ``env`` holds variables assigned earlier (updated in place)."""
    return _Lexer(text, env if env is not None else {}).run()
