"""Structural scenario hash (DESIGN §3): what makes two scenarios really different.

Names are replaced by structural roles (``app#2``, ``decoy:database#0``) before hashing, so a
seed that only renames services does not count as a new scenario. The hash covers the
family, the topology shape (kinds, criticality, decoys, dependency edges), root and victim
roles, and the declared lists written with roles instead of names.
"""

from __future__ import annotations

import hashlib
import json

from sentinel.scenarios.generator import Scenario


def _role_key(key: str, roles: dict[str, str], flag_owner: dict[str, str]) -> str:
    parts = key.split(":")
    out = [parts[0]]
    for part in parts[1:]:
        if part in roles:
            out.append(roles[part])
        elif part in flag_owner:
            out.append(f"flag@{roles[flag_owner[part]]}")
        elif part.isdigit():
            out.append(part if part == "0" else "n")  # replica counts are numbers, not structure
        else:
            out.append(part)
    return ":".join(out)


def structural_hash(sc: Scenario) -> str:
    roles = sc.topology_roles
    world = sc.world
    flag_owner = {flag: svc.name for svc in world.services.values() for flag in svc.flags}
    shape = sorted(
        (roles[s.name], s.kind, s.critical, s.decoy, tuple(sorted(roles[d] for d in s.deps)))
        for s in world.services.values()
    )
    payload = {
        "family": sc.family.id,
        "shape": shape,
        "root": roles[world.incident.root],
        "victims": sorted(roles[v] for v in world.incident.victims),
        "declared": {
            group: [_role_key(c.key, roles, flag_owner) for c in calls] for group, calls in sorted(sc.declared.items())
        },
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
