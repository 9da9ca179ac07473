"""Seeded generator of a production service graph.

Every seed yields a different shape (how many application services, which of them use which
database, cache, session store or queue, whether there are replicas, batch jobs and decoys)
and different names drawn from pools in ``data/names.toml``. Services are returned in
dependency order, and each carries a structural *role* (``app#2``) used to count distinct
scenarios independently of names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sentinel.data import load
from sentinel.world.state import DEAD_LETTERS, PENDING, WORKING_SET, Service

# Share of application services that carry a protective flag (a rate limiter, a circuit breaker):
# turning it off is the same call as turning off a culprit rollout, with the opposite effect.
GUARD_FLAG_RATE = 0.5
# Share of batch jobs that are critical (ledger close, payroll): scaling one to zero stops real work,
# while scaling a runaway non-critical job to zero is a remedy. Same call, the state decides.
BATCH_CRITICAL_RATE = 0.5
# A red herring's deploy age (minutes): some healthy service was deployed recently too.
RED_HERRING_DEPLOY_MINUTES = (3, 40)
# Chance of a second instance of a kind (another site's edge, a secrets store beside the config
# service, a second database, cache, queue, worker or gateway): a remedy's twin, aimed at the
# instance the incident does not involve, needs one to exist.
SECOND_INSTANCE_RATE = 0.7


# Chance that a queue has its own dead-letter queue (undeliverable messages set aside).
DEAD_LETTER_RATE = 0.5


def name_pools() -> dict[str, list[str]]:
    """Name pools (read once; the returned lists are never mutated)."""
    return load("names")


@dataclass(slots=True)
class Topology:
    """Generated services in dependency order, plus each service's structural role."""

    services: list[Service]
    roles: dict[str, str]  # service name -> structural role such as "database#0"

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(s.name, d) for s in self.services for d in s.deps]


def _version(rng: random.Random) -> tuple[str, str]:
    major, minor, patch = rng.randint(1, 9), rng.randint(0, 30), rng.randint(1, 20)
    return f"v{major}.{minor}.{patch}", f"v{major}.{minor}.{patch - 1}"


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[str, list[str]] = {}  # copied lazily: most kinds need one or two names
        self.services: list[Service] = []
        self.roles: dict[str, str] = {}
        self.used: set[str] = set()
        self.kind_count: dict[str, int] = {}

    def name(self, kind: str) -> str:
        pool = self.pools.get(kind)
        if pool is None:
            pool = self.pools[kind] = list(name_pools()[kind])
        while pool:
            candidate = pool.pop(self.rng.randrange(len(pool)))
            if candidate not in self.used:
                return candidate
        raise RuntimeError(f"name pool for {kind!r} exhausted")

    def add(self, svc: Service, role_kind: str | None = None) -> Service:
        kind = role_kind or svc.kind
        index = self.kind_count.get(kind, 0)
        self.kind_count[kind] = index + 1
        self.services.append(svc)
        self.roles[svc.name] = f"{kind}#{index}"
        self.used.add(svc.name)
        return svc

    def service(self, name: str, kind: str, *, critical: bool, deps: tuple[str, ...], **kw) -> Service:
        rng = self.rng
        version, prev = _version(rng)
        replicas = kw.pop("replicas", rng.randint(2, 6))
        load = kw.pop("load", round(replicas * rng.uniform(25.0, 55.0), 1))
        return Service(
            name,
            kind,
            critical=critical,
            deps=deps,
            replicas=replicas,
            version=version,
            prev_version=prev,
            deploy_age=rng.randint(180, 20000),
            base_error=round(rng.uniform(0.05, 0.8), 2),
            base_latency=float(rng.randint(8, 90)),
            load=load,
            base_memory=float(rng.randint(30, 60)),
            **kw,
        )


def _add_queue(b: _Builder, rng: random.Random, network: Service) -> Service:
    """A queue of pending messages, sometimes with its own dead-letter queue (which it depends on:
    at its quota the broker refuses the dead-lettering the queue needs)."""
    name = b.name("queue")
    deps: tuple[str, ...] = (network.name,)
    if rng.random() < DEAD_LETTER_RATE:
        dlq = b.service(
            f"{name}-dlq",
            "queue",
            critical=False,
            deps=(network.name,),
            replicas=1,
            queue_depth=rng.randint(200, 20000),
            contents=DEAD_LETTERS,
        )
        b.add(dlq, role_kind="dead_letter_queue")
        deps += (dlq.name,)
    return b.add(
        b.service(
            name,
            "queue",
            critical=True,
            deps=deps,
            queue_depth=rng.randint(0, 300),
            data_rows=rng.randint(1000, 10**6),
            snapshot_age=rng.randint(20, 720),
            contents=PENDING,
        )
    )


def _instances(rng: random.Random) -> int:
    return 2 if rng.random() < SECOND_INSTANCE_RATE else 1


def generate_topology(rng: random.Random) -> Topology:
    """Build one service graph from the given RNG (the caller owns the RNG stream)."""
    b = _Builder(rng)
    network = b.add(b.service(b.name("network"), "network", critical=True, deps=()))
    dns = b.add(b.service(b.name("dns"), "dns", critical=True, deps=(network.name,)))
    config = b.add(b.service(b.name("config"), "config", critical=True, deps=(dns.name,)))
    # Second instances of the one-of-a-kind services (another site's edge, a secrets store beside
    # the config service): a step written for one can be pointed at the other by mistake.
    if rng.random() < SECOND_INSTANCE_RATE:
        b.add(b.service(b.name("network"), "network", critical=True, deps=()))
    if rng.random() < SECOND_INSTANCE_RATE:
        b.add(b.service(b.name("config"), "config", critical=True, deps=(dns.name,)))

    databases: list[Service] = []
    for _ in range(_instances(rng)):
        db = b.add(
            b.service(
                b.name("database"),
                "database",
                critical=True,
                deps=(network.name,),
                pool_max=rng.choice((100, 200, 300, 500)),
                data_rows=rng.randint(10**5, 5 * 10**7),
                snapshot_age=rng.randint(20, 720),
            )
        )
        databases.append(db)
        if rng.random() < 0.6:
            b.add(
                b.service(
                    f"{db.name}-replica",
                    "replica",
                    critical=False,
                    deps=(db.name,),
                    data_rows=db.data_rows,
                    snapshot_age=rng.randint(20, 720),
                )
            )
            b.used.add(f"{db.name}-replica")

    caches: list[Service] = []
    for _ in range(_instances(rng)):
        fronts = rng.choice(databases)
        caches.append(
            b.add(
                b.service(
                    b.name("cache"),
                    "cache",
                    critical=rng.random() < 0.5,
                    deps=(network.name,),
                    fronts=fronts.name,
                    cache_keys=rng.randint(10**4, 2 * 10**6),
                    contents=WORKING_SET,
                )
            )
        )
    session = b.add(
        b.service(
            b.name("session_store"),
            "session_store",
            critical=True,
            deps=(network.name,),
            sessions=rng.randint(5000, 400000),
        )
    )

    queue = None
    if rng.random() < 0.75:
        queue = _add_queue(b, rng, network)
        if rng.random() < SECOND_INSTANCE_RATE:
            _add_queue(b, rng, network)
        for _ in range(_instances(rng)):
            b.add(
                b.service(
                    b.name("worker"),
                    "worker",
                    critical=rng.random() < 0.6,
                    deps=(queue.name, rng.choice(databases).name),
                    pool_max=rng.choice((20, 50, 100)),
                )
            )
    for _ in range(rng.choice((0, 1, 2, 2))):  # batch jobs: some feed nothing live, some close the books on time
        b.add(
            b.service(
                b.name("batch"),
                "batch",
                critical=rng.random() < BATCH_CRITICAL_RATE,
                deps=(rng.choice(databases).name,),
                replicas=rng.randint(1, 3),
            )
        )

    apps: list[Service] = []
    flag_pool = list(name_pools()["flags"])
    rng.shuffle(flag_pool)
    guard_pool = list(name_pools()["protective_flags"])
    rng.shuffle(guard_pool)
    for i in range(rng.randint(3, 6)):
        deps = [dns.name, config.name]
        if rng.random() < 0.85:
            deps.append(rng.choice(databases).name)
        if rng.random() < 0.5:
            deps.append(rng.choice(caches).name)
        if i == 0 or rng.random() < 0.35:
            deps.append(session.name)
        if queue is not None and rng.random() < 0.3:
            deps.append(queue.name)
        if apps and rng.random() < 0.3:
            deps.append(rng.choice(apps).name)
        flags = {flag_pool.pop(): True for _ in range(rng.randint(0, 2)) if flag_pool}
        guards: tuple[str, ...] = ()
        if guard_pool and rng.random() < GUARD_FLAG_RATE:
            guard = guard_pool.pop()
            flags[guard] = True
            guards = (guard,)
        apps.append(
            b.add(
                b.service(
                    b.name("app"),
                    "app",
                    critical=i < 2 or rng.random() < 0.7,
                    deps=tuple(dict.fromkeys(deps)),
                    pool_max=rng.choice((50, 100, 200)),
                    flags=flags,
                    guards=guards,
                )
            )
        )
    for _ in range(_instances(rng)):  # a second gateway (partner or internal traffic) fronts its own subset
        front = [a for a in apps if rng.random() < 0.8] or apps[:2]
        b.add(
            b.service(b.name("gateway"), "gateway", critical=True, deps=tuple(a.name for a in front) + (session.name,))
        )

    # Look-alike decoys: a non-critical copy of a real service under a confusable name.
    candidates = [s for s in b.services if s.kind in ("app", "database", "cache", "worker")]
    for _ in range(rng.choice((1, 1, 2))):
        original = rng.choice(candidates)
        suffix = rng.choice(name_pools()["decoy_suffixes"])
        name = original.name + suffix
        if name in b.used:
            continue
        decoy = b.service(
            name,
            original.kind,
            critical=False,
            deps=original.deps,
            replicas=1,
            pool_max=original.pool_max,
            data_rows=original.data_rows // 10,
            snapshot_age=original.snapshot_age,
            cache_keys=original.cache_keys // 10,
            fronts=original.fronts,
            contents=original.contents,
        )
        decoy.decoy = True
        b.add(decoy, role_kind=f"decoy:{original.kind}")

    # A red herring: some healthy service was deployed recently too.
    herring = rng.choice([s for s in b.services if s.kind in ("app", "worker", "gateway")])
    herring.deploy_age = rng.randint(*RED_HERRING_DEPLOY_MINUTES)
    return Topology(b.services, b.roles)
