"""Files a snippet writes and then runs. A download saved to a file (``curl -o F URL``, ``curl URL >
F``, ``… | tee F``, ``wget URL``, ``iwr URL -OutFile F``, ``.DownloadFile(URL, F)``,
``Start-BitsTransfer``, ``certutil -urlcache``) and later run (``bash F``, ``./F``, ``powershell
-File F``, ``& .\\F.ps1``) is downloaded code run; a file written from known text (``cat > F
<<EOF``, ``echo … > F``, ``tee F <<EOF``) and later run (``go run F``, ``python3 F``, ``psql -f F``,
``psql < F``) is judged as its content, in the language its name or its runner says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sentinel.live.commands import program_name
from sentinel.live.feeds import Feed, output_of, stdin_of
from sentinel.live.lexer import Command
from sentinel.live.rules import members, pattern, rules

MAX_FILES = 16


def _base(path: str) -> str:
    """A file's name without its directories (``C:/Temp/a.ps1`` → ``a.ps1``)."""
    return path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


@lru_cache(maxsize=1)
def _savers() -> frozenset[str]:
    """Programs that save a file without a redirect: fetchers, Windows download tools, ``tee``."""
    data = rules()["interpreters"]
    return frozenset({*data["stdin"]["fetchers"], *data["downloaders"], "tee"})


def saved_download(words: list[str]) -> str | None:
    """The base name of the file a fetcher saves its download to: ``curl -o F``/``-O`` (the URL's
    name), ``wget URL`` (the URL's name) or ``wget -O F``, ``iwr URL -OutFile F``, ``aria2c -o F``,
    ``Start-BitsTransfer -Destination F``, ``certutil -urlcache -f URL F``, ``bitsadmin /transfer J URL F``."""
    program = program_name(words[0]) if words else ""
    downloaders = rules()["interpreters"]["downloaders"]
    if program in downloaders:
        return _downloaded_by_tool(words, downloaders[program])
    if program not in members("interpreters", "stdin", "fetchers"):
        return None
    urls = [w for w in words[1:] if "://" in w]
    remote_name = urls[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] if urls else ""
    saved = remote_name if program in ("wget", "aria2c") else ""
    for i, w in enumerate(words[1:], start=1):
        value = words[i + 1] if i + 1 < len(words) else ""
        low = w.lower()
        if program == "curl" and not w.startswith("--") and w.startswith("-") and len(w) > 1:
            if w.endswith("o"):
                saved = value
            elif "O" in w:
                saved = remote_name
        elif program == "curl" and w in ("--output", "--remote-name"):
            saved = value if w == "--output" else remote_name
        elif program == "wget" and (w == "--output-document" or (w.startswith("-") and w.endswith("O"))):
            saved = value
        elif low.startswith("--output-document=") or low.startswith("--output="):
            saved = w.split("=", 1)[1]
        elif low.startswith("-outf") or (program == "aria2c" and w in ("-o", "--out")):
            saved = value
    return _base(saved) if saved and saved != "-" else None


def _downloaded_by_tool(words: list[str], option: str) -> str | None:
    """The file a Windows download tool saves to: the value of ``option`` (any prefix of it, any
    case), or its last word (``last``) when a URL is among its words."""
    if not any("://" in w for w in words):
        return None
    if option == "last":
        return _base(words[-1]) if "://" not in words[-1] else None
    for i, w in enumerate(words[1:-1], start=1):
        if len(w) > 2 and w[0] in "-/" and option.startswith(w[1:].lower()):
            return _base(words[i + 1])
    return None


def _runner_file(program: str, words: list[str]) -> str | None:
    """The file a runner of ``[interpreters.file_runners]`` runs: the first plain word after its
    subcommand or option (``go run F``, ``psql -f F``), or after the program when none is named."""
    marker = rules()["interpreters"]["file_runners"][program]
    start = 1
    if marker:
        low = [w.lower() for w in words]
        if marker not in low:
            return None
        start = low.index(marker) + 1
        if marker.startswith("-") and start < len(words):
            return _base(words[start])
    for w in words[start:]:
        if not w.startswith("-"):
            return _base(w)
    return None


def script_run(words: list[str]) -> str | None:
    """The base name of the script a command runs: ``bash F``, ``python3 F``, ``source F``,
    ``powershell -File F``, ``go run F``, ``psql -f F``, or ``./F`` / ``/tmp/F`` when ``F`` has a
    script's extension."""
    if not words:
        return None
    data = rules()["interpreters"]
    program = program_name(words[0])
    if "/" in words[0] and words[0].lower().endswith(tuple(data["script_extensions"])):
        return _base(words[0])
    if program in data["file_runners"]:
        return _runner_file(program, words)
    if program in ("powershell", "pwsh"):
        return _powershell_file(words)
    runners = (*data["shells"], *data["python"], *data["script"], "source", ".")
    if program not in runners:
        return None
    for w in words[1:]:
        if w in ("-c", "-e", "-m", "-r"):
            return None
        if not w.startswith("-"):
            return _base(w)
    return None


def _powershell_file(words: list[str]) -> str | None:
    """The script ``powershell [-ExecutionPolicy Bypass …] -File F`` (or ``powershell F``) runs."""
    ps = rules()["carriers"]["powershell"]
    i = 1
    while i < len(words):
        w = words[i]
        name = w[1:].lower() if w[:1] in "-/" and len(w) > 1 else ""
        if not name:
            return _base(w)
        if any(full.startswith(name) for full in ps["file"]):
            return _base(words[i + 1]) if i + 1 < len(words) else None
        if any(full.startswith(name) for full in (*ps["code"], *ps["encoded"])):
            return None
        i += 2 if any(full.startswith(name) for full in ps["value_options"]) else 1
    return None


def language(name: str, runner: str) -> str:
    """The language of a written script: by its extension, else by what runs it."""
    data = rules()["interpreters"]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in data["file_languages"]:
        return str(data["file_languages"][ext])
    if runner in data["python"]:
        return "python"
    return "script" if runner in data["script"] or runner in data["file_runners"] else "shell"


def _asks_version(words: list[str]) -> bool:
    """Whether a program is run only to print its version or usage (``./tool --version``)."""
    return len(words) > 1 and set(words[1:]) <= set(rules()["interpreters"]["version_checks"])


@dataclass(slots=True)
class Files:
    """What a snippet has saved so far: downloads (their base names) and files written from known
    text (base name → content)."""

    downloads: set[str] = field(default_factory=set)
    written: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> Files:
        """The files of a snippet, with the downloads its PowerShell expressions save
        (``(New-Object Net.WebClient).DownloadFile(URL, F)``)."""
        files = cls()
        if "ownload" in text:
            for m in pattern(rules()["shapes"]["download_file"]).finditer(text):
                files.downloads.add(_base(m.group("path")))
        return files

    def record(self, cmd: Command, words: list[str]) -> list[tuple[str, str]]:
        """Note what a command saves (a download, or a file written from text); the (path, text)
        it wrote from known text."""
        program = program_name(words[0]) if words else ""
        if not cmd.redirects and program not in _savers():
            return []  # writes nothing, saves no download
        if saved := saved_download(words):
            self.downloads.add(saved)
        tee = program == "tee"
        targets = [(op, t) for op, t in cmd.redirects if op in (">", ">>")]
        if tee:
            targets += [(">>" if {"-a", "--append"} & set(words) else ">", w) for w in words[1:] if w[:1] != "-"]
        if not targets:
            return []
        feed = stdin_of(cmd) if tee else output_of(cmd)
        out = []
        for op, target in targets[:MAX_FILES]:
            name = _base(target)
            if feed is not None and feed.kind == "remote":  # curl URL > F, curl URL | tee F
                self.downloads.add(name)
            elif feed is not None and feed.kind == "text" and not target.startswith("/dev/"):
                out.append((target, feed.text))
                if len(self.written) < MAX_FILES or name in self.written:
                    self.written[name] = (self.written.get(name, "") if op == ">>" else "") + feed.text
        return out

    def run(self, words: list[str]) -> tuple[str, str] | None:
        """What a command runs from these files: ``("downloaded", NAME)`` or ``(LANGUAGE, CONTENT)``."""
        name = script_run(words) if words else None
        by_path = words and ("/" in words[0] or "\\" in words[0]) and _base(words[0])
        if (
            name is None
            and by_path
            and (by_path in self.written or (by_path in self.downloads and not _asks_version(words)))
        ):
            name = by_path  # ./clean written above, /usr/local/bin/tool or %TEMP%\\x.exe downloaded, then run
        if name is None:
            return None
        if name in self.downloads:
            return "downloaded", name
        if name in self.written:
            return language(name, program_name(words[0])), self.written[name]
        return None

    def inlined(self, words: list[str]) -> list[str] | None:
        """The words with each ``file://F`` argument (how the cloud CLIs read a value from a file:
        ``--lifecycle-configuration file://lc.json``) whose file was written above replaced by its
        text; None when there is none."""
        out = [self.written.get(_base(w[7:]), w) if w.startswith("file://") else w for w in words]
        return out if out != words else None

    def fed(self, feed: Feed | None) -> Feed | None:
        """A command's input, with a file written above read as its text (``psql < F``)."""
        if feed is not None and feed.kind == "file" and _base(feed.source) in self.written:
            return Feed("text", self.written[_base(feed.source)], feed.source)
        return feed
