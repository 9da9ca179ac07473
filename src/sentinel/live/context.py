"""Per-request state of the analyser: how deep it has gone, how much work is left, and what a
nested piece of code inherits (working directory, standard input, container mounts).

Nothing here is module-level: a ``Budget`` is created for each request, so a hostile input can
only exhaust its own allowance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sentinel.live.feeds import Feed
from sentinel.live.rules import limit


@dataclass(slots=True)
class Budget:
    """How many more code snippets this request may analyse."""

    snippets: int

    def take(self) -> bool:
        """Spend one snippet; False when none is left."""
        if self.snippets <= 0:
            return False
        self.snippets -= 1
        return True


@dataclass(frozen=True, slots=True)
class Context:
    """Where a piece of code runs: nesting depth, working directory, input and mounts."""

    budget: Budget
    depth: int = 0
    cwd: str | None = None
    stdin: Feed | None = None
    mounts: tuple[tuple[str, str], ...] = ()
    production: bool = False  # the request's context or a carrier names production (ssh prod-db-2 '…')

    @classmethod
    def fresh(cls, cwd: str | None = None, production: bool = False) -> Context:
        """The context of a new request, with its full budget (the working directory its
        ``context`` states, if any, and whether it says the code runs on production)."""
        return cls(Budget(limit("max_snippets")), cwd=cwd, production=production)


@dataclass(frozen=True, slots=True)
class Nested:
    """Code found inside other code, to be judged one level deeper.

    ``lang``: shell, argv, sql, python, script (perl/ruby/node …), mongo, redis, or fed (an
    interpreter running ``feed`` as ``interpreter``)."""

    lang: str
    text: str = ""
    argv: tuple[str, ...] = ()
    feed: Feed | None = None
    interpreter: str = ""
    stdin: Feed | None = None
    mounts: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    production: bool = False
    ceiling: str = ""  # the worst its findings may be, and why ("medium: retention of old files")


def deeper(ctx: Context, n: Nested) -> Context | None:
    """The context for a nested piece of code, or None when depth or budget is exhausted."""
    if ctx.depth + 1 > limit("max_depth") or not ctx.budget.take():
        return None
    production = ctx.production or n.production
    mounts = n.mounts or ctx.mounts  # docker run … sh -c 'rm -rf /': the shell runs in the container too
    return replace(ctx, depth=ctx.depth + 1, cwd=n.cwd, stdin=n.stdin, mounts=mounts, production=production)
