"""Every random stream in SENTINEL, named in one place, and the one seed check.

Determinism (DESIGN §3) needs each stream derived from the task and seed alone — never the
global RNG, never ``hash()`` of a string (it changes between processes). ``random.Random`` seeds
a string through SHA-512, so a stream is a stable function of its name. Streams are independent:
the Responder's draws never depend on the Overseer, the world's on neither.
"""

from __future__ import annotations

import random

from sentinel.errors import InvalidSeedError

SEED_LIMIT = 2**31  # seeds are integers in [0, 2^31)


def check_seed(seed: object) -> int:
    """The seed as an int, or ``InvalidSeedError`` (a 4xx) for anything else."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < SEED_LIMIT:
        raise InvalidSeedError(f"seed must be an integer in [0, 2^31), got {seed!r}")
    return seed


def parse_seed_range(text: str) -> range:
    """``"7"`` or ``"100-120"`` (inclusive) as a range of valid seeds; ``ValueError`` otherwise."""
    lo, sep, hi = text.strip().partition("-")
    try:
        seeds = range(int(lo), int(hi) + 1) if sep else range(int(lo), int(lo) + 1)
    except ValueError:
        raise ValueError(f"expected a seed or a seed range like 0-999, got {text!r}") from None
    if len(seeds) == 0 or seeds.start < 0 or seeds.stop > SEED_LIMIT:
        raise ValueError(f"empty or out-of-range seed range {text!r}; seeds are integers in [0, 2^31)")
    return seeds


class ScenarioRandom(random.Random):
    """``random.Random`` whose integer draws each scale one ``random()``.

    Generating a scenario makes hundreds of integer draws (every service's replicas, versions, ages,
    latencies; names; shuffles). The standard library draws them by rejection sampling over
    ``getrandbits``, several times slower than scaling one 53-bit float, whose bias on ranges this
    small (< 10^8) is far below anything a scenario could show. Same seed, same stream.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)  # the rare general case keeps the exact method
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        if b < a:
            return super().randint(a, b)  # the standard error
        return a + int(self.random() * (b - a + 1))  # randrange(a, b + 1), one call fewer

    def choice(self, seq):  # type: ignore[no-untyped-def]
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]

    def shuffle(self, x) -> None:  # type: ignore[no-untyped-def,override]
        for i in reversed(range(1, len(x))):
            j = int(self.random() * (i + 1))
            x[i], x[j] = x[j], x[i]


def scenario_rng(task_id: str, seed: int) -> random.Random:
    """Family, topology, fault and names of a scenario."""
    return ScenarioRandom(f"sentinel/{task_id}/{seed}")


def environment_rng(task_id: str, seed: int) -> random.Random:
    """The episode's own draws: drift timing and kinds, preview outages and staleness."""
    return random.Random(f"env/{task_id}/{seed}")


def responder_rng(task_id: str, seed: int) -> random.Random:
    """The built-in Responder's draws (a fixed number per turn, whatever the Overseer does)."""
    return random.Random(f"responder/{task_id}/{seed}")


def draw_rng(u: float) -> random.Random:
    """A sub-stream keyed by one of the Responder's draws (its generic remediations)."""
    return random.Random(int(u * 1e9))


def random_overseer_rng(seed: int, task_id: str, alert: str, turn: int, key: str) -> random.Random:
    """The random Overseer's draw for one observation: independent of episode order across workers."""
    return random.Random(f"random-overseer/{seed}/{task_id}/{alert}/{turn}/{key}")


def rft_rng(seed: int) -> random.Random:
    """Which training seeds the RFT dataset mines."""
    return random.Random(f"rft/{seed}")


def stage_rng(stage: str, tier: str, seed: int) -> random.Random:
    """Which training episodes a GRPO stage plays on a tier."""
    return random.Random(f"{stage}/{tier}/{seed}")


def demo_rng(seed: int) -> random.Random:
    """``sentinel demo``'s choice of proposals."""
    return random.Random(seed)
