"""Where a path points, which decides how bad deleting (or ``chmod -R``-ing) it is.

``rm -rf ./build`` and ``rm -rf /var/lib/postgresql`` are the same command shape; the target
makes one routine and the other a lost database. Classes (``[paths]`` in the rules file): root,
system, data, home, user (inside a home), shared_scratch (``/tmp`` itself), scratch (inside
``/tmp``, or a build/cache directory), logs, cwd (the working directory itself), relative, other,
and unset (``"$DIR/"*`` with DIR never assigned: ``/*`` when it is empty).
A path ending in ``/…`` stands for some files inside a directory (a ``find`` narrowed by
``-name``, a Python loop over a directory's entries).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from functools import lru_cache

from sentinel.live.rules import pattern, rules
from sentinel.live.windows import unixish

HOME_SPELLINGS = re.compile(r"^(?:~[a-z0-9_-]*|\$home|\$\{home\})(?=/|$)")
REMOTE_PREFIX = re.compile(r"^(?:[a-z0-9_.-]+@)?[a-z0-9_.-]+:(?=/)")


def _expand(path: str, cwd: str | None) -> str:
    """The path lower-cased, home and temp spellings unified, remote ``host:`` and trailing
    ``/``, ``/*``, ``/.`` dropped, a glob replaced by its directory, made absolute against a
    known working directory."""
    p = unixish(path.strip().strip("'\"").lower())
    p = REMOTE_PREFIX.sub("", p)
    p = HOME_SPELLINGS.sub("~", p)
    p = re.sub(r"^(?:\$tmpdir|\$\{tmpdir\})(?=/|$)", "/tmp", p)
    if any(ch in p for ch in "*?["):
        head = re.split(r"[*?\[]", p, maxsplit=1)[0]
        p = head if head.endswith("/") or not head else posixpath.dirname(head) or ("/" if p.startswith("/") else "")
        p = p or "."
    if cwd and not p.startswith(("/", "~", "$")):
        p = posixpath.join(cwd, p)
    if p.startswith("~/") and "/.." in p:  # ~/..: above the home directory
        above = posixpath.normpath("/home/user/" + p[2:])
        p = above if not above.startswith("/home/user") else "~" + above[len("/home/user") :]
    elif p.startswith("/") or "/../" in f"/{p}/":  # ./build/../../../..: where it really points
        p = posixpath.normpath(p)
    while len(p) > 1 and p.endswith(("/", "/.")):
        p = p[:-1] if p.endswith("/") else p[:-2]
    return p


@lru_cache(maxsize=1)
def _tables() -> dict[str, frozenset[str] | tuple[str, ...]]:
    """The ``[paths]`` lists as sets (exact names) and tuples (prefixes)."""
    data = rules()["paths"]
    exact = ("root", "system", "data", "home", "shared_scratch", "logs", "sensitive_files", "kernel_triggers")
    prefixes = (
        "system_prefixes",
        "data_prefixes",
        "scratch_prefixes",
        "logs_prefixes",
        "home_children",
        "sensitive_prefixes",
    )
    out: dict[str, frozenset[str] | tuple[str, ...]] = {k: frozenset(data[k]) for k in exact}
    out.update({k: tuple(data[k]) for k in prefixes})
    out["scratch_names"] = frozenset(data["scratch_names"])
    out["rebuildable_names"] = frozenset(data["rebuildable_names"])
    out["build_names"] = frozenset(data["build_names"])
    return out


def _inside_named_scratch(path: str) -> bool:
    """Whether a relative path stays inside the working directory and names build output or a
    scratch directory (``./build``, ``dist/*``, ``node_modules``)."""
    raw = unixish(path.strip().strip("'\"").lower())
    if raw.startswith(("/", "~", "$")) or not raw or raw in (".", "./"):
        return False
    normal = posixpath.normpath(raw)
    parts = [c for c in normal.split("/") if c]
    return not normal.startswith("..") and normal != "." and any(c in _tables()["scratch_names"] for c in parts)


def path_class(path: str, cwd: str | None = None) -> str:
    """The class of one target path (see the module docstring)."""
    t = _tables()
    if path[:1] == "$" and pattern(rules()["paths"]["unset_prefix"]).match(path.strip("'\"").lower()):
        return "unset"
    if path.startswith(rules()["paths"]["throwaway_root"]):  # docker run --rm alpine rm -rf /
        return "scratch"
    if cwd and _inside_named_scratch(path):  # ./build in /srv/app: build output wherever the tree is
        return "scratch"
    p = _expand(path, cwd)
    if p in t["root"] or p == "/..":
        return "root"
    if p == "/…":  # some files anywhere under the root (find / -name … -delete)
        return rules()["paths"]["inside_root"]
    if p in ("", ".", "./"):
        return "cwd"
    parts = [c for c in p.split("/") if c]
    if _rebuildable(p, parts):  # /srv/app/node_modules, /usr/src/app/.cache/babel-loader
        return "scratch"
    if p in t["system"] or p.startswith(t["system_prefixes"]):  # type: ignore[arg-type]
        return "system"
    scratch_named = any(c in t["scratch_names"] for c in parts)
    if p in t["data"] or p.startswith(t["data_prefixes"]):  # type: ignore[arg-type]
        return "data"
    if p in t["home"] or re.fullmatch(r"/(?:home|users)/[^/]+", p):
        return "home"
    if p in t["logs"] or p.startswith(t["logs_prefixes"]):  # type: ignore[arg-type]
        return "logs"
    if p.startswith(t["scratch_prefixes"]):  # type: ignore[arg-type]
        return "scratch"
    if p in t["shared_scratch"]:
        return "shared_scratch"
    if p.startswith(("~/", *t["home_children"])):  # type: ignore[misc]
        return "scratch" if scratch_named else "user"
    if p.startswith(".."):  # above the working directory: one level is a sibling, more is anywhere
        return "scratch" if scratch_named else "cwd" if p.count("..") < 2 else "other"
    if not p.startswith("/"):
        return "scratch" if scratch_named else "relative"
    return "scratch" if any(c in t["build_names"] for c in parts) else "other"  # /workspace/app/dist


def _rebuildable(p: str, parts: list[str]) -> bool:
    """A path inside (or at) a directory that tools rebuild on demand wherever it is (a cache,
    ``node_modules``, ``__pycache__``: ``[paths] rebuildable_names``), unless that directory sits right
    in the root or a system directory (``/usr/lib/node_modules`` holds installed programs)."""
    t = _tables()
    for i, name in enumerate(parts):
        if name in t["rebuildable_names"]:
            parent = ("/" if p.startswith("/") else "") + "/".join(parts[:i])
            return parent not in t["root"] and parent not in t["system"] and parent != "/"
    return False


def is_block_device(path: str) -> bool:
    """A disk, partition or volume device node (``/dev/sda``, ``/dev/nvme0n1p1``, ``/dev/mapper/x``);
    a glob when it matches one (``/dev/sd?``, ``/dev/nvme?n1``: ``[paths] device_examples``)."""
    p = path.strip().strip("'\"").lower()
    if pattern(rules()["paths"]["block_device"]).match(p):
        return True
    if not p.startswith("/dev/") or not any(ch in p for ch in "*?["):
        return False
    return any(fnmatch.fnmatchcase(f"/dev/{name}", p) for name in rules()["paths"]["device_examples"])


def is_sensitive_file(path: str) -> bool:
    """A file whose truncation or world-writability breaks or opens the host (``/etc/shadow``)."""
    t = _tables()
    p = _expand(path, None)
    return p in t["sensitive_files"] or p.startswith(t["sensitive_prefixes"])  # type: ignore[arg-type]


def is_credential(path: str) -> bool:
    """A private key, a cloud or cluster credential, a password store (``[paths] credentials``); a
    ``.pub`` key is public."""
    p = _expand(path, None)
    return not p.endswith(".pub") and bool(pattern(rules()["paths"]["credentials"]).search(p))


def is_kernel_trigger(path: str) -> bool:
    """A ``/proc`` file whose write crashes or reboots the kernel."""
    return _expand(path, None) in _tables()["kernel_triggers"]
