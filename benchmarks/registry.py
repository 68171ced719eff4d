"""Synthetic tenant registries for the benchmarks: ``synthetic_registry(directory, size)``.

The mix is about 85% free, 13% standard and 2% enterprise, except that standard tenants never
exceed the shared clusters' capacity in ``Pulumi.dev.yaml`` (the registry would refuse them):
above that, the extra tenants are free. Every size passes ``tenancy validate``
(``tests/test_benchmarks.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path

HEADER = "# yaml-language-server: $schema=../docs/tenant.schema.json\n"
PREFIXES = {"free": "free", "standard": "std", "enterprise": "ent"}


def _settings():
    from domain.environment import load_environment

    return load_environment("dev")


def _pools(settings) -> list[tuple[str, int]]:
    return [(cluster.name, cluster.capacity) for cluster in settings.clusters]


def _ranges(settings):
    """Every range of each new enterprise tenant, from the address plan (as `tenancy new` does)."""
    from domain.networks import allocate, net

    taken: list = []
    while True:
        ranges = allocate(settings, taken)
        if ranges is None:
            raise RuntimeError("the address plan of Pulumi.dev.yaml is full")
        taken += [net(cidr) for cidr in ranges.values()]
        yield ranges


def tier_counts(size: int, capacity: int) -> dict[str, int]:
    enterprise = max(1, round(size * 0.02))
    standard = min(max(1, round(size * 0.13)), capacity)
    return {"free": size - enterprise - standard, "standard": standard, "enterprise": enterprise}


def synthetic_registry(directory: Path, size: int) -> dict[str, list[str]]:
    """Write ``size`` valid tenant files into ``directory``; returns the ids by tier."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    settings = _settings()
    pools = _pools(settings)
    ranges = _ranges(settings)
    counts = tier_counts(size, sum(capacity for _, capacity in pools))
    ids: dict[str, list[str]] = {tier: [] for tier in counts}
    placed = {name: 0 for name, _ in pools}
    for tier, count in counts.items():
        for i in range(count):
            tid = f"{PREFIXES[tier]}{i:05d}"
            ids[tier].append(tid)
            extra = ""
            if tier == "standard":
                # Round robin over the pools that still have room.
                name = next(
                    n for n, cap in sorted(pools, key=lambda p: placed[p[0]]) if placed[n] < cap
                )
                placed[name] += 1
                extra = f"placement: {name}\n"
            elif tier == "enterprise":
                extra = (
                    f"custom_domain: app.ent{i:05d}.example\n"
                    f"dedicated_project: {'true' if i % 2 == 0 else 'false'}\n"
                    + "".join(f"{key}: {value}\n" for key, value in next(ranges).items())
                )
            (directory / f"{tid}.yaml").write_text(
                HEADER
                + f"id: {tid}\ndisplay_name: {tier.title()} {i}\ntier: {tier}\n"
                + f"region: us-central1\ncontact_email: ops{i}@{PREFIXES[tier]}.example\n"
                + extra,
                encoding="utf-8",
            )
    return ids
