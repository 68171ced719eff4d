"""Synthetic tenant registries for the benchmarks: ``synthetic_registry(directory, size)``.

The mix is about 85% free, 13% standard and 2% enterprise, except that standard tenants never
exceed the shared clusters' capacity in ``Pulumi.dev.yaml`` and enterprise tenants never exceed
what its address plan can give ranges to (the registry would refuse them): above that, the extra
tenants are free. Every size passes ``tenancy validate``
(``tests/test_benchmarks.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path

HEADER = "# yaml-language-server: $schema=../docs/tenant.schema.json\n"
PREFIXES = {"free": "free", "standard": "std", "enterprise": "ent"}


def _settings():
    from domain.environment import load_environment

    # This checkout's environment, wherever the benchmark is started from.
    return load_environment("dev", Path(__file__).resolve().parent.parent)


def _pools(settings) -> list[tuple[str, int]]:
    return [(cluster.name, cluster.capacity) for cluster in settings.clusters]


def _ranges(settings, wanted: int) -> list[dict[str, str]]:
    """Every range of up to ``wanted`` new enterprise tenants, from the address plan (as `tenancy
    new` does); fewer when the plan is full."""
    from domain.networks import allocate, net

    taken: list = []
    found: list[dict[str, str]] = []
    while len(found) < wanted:
        ranges = allocate(settings, taken)
        if ranges is None:
            break
        taken += [net(cidr) for cidr in ranges.values()]
        found.append(ranges)
    return found


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
    counts = tier_counts(size, sum(capacity for _, capacity in pools))
    ranges = _ranges(settings, counts["enterprise"])
    counts["free"] += counts["enterprise"] - len(ranges)
    counts["enterprise"] = len(ranges)
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
                    + "".join(f"{key}: {value}\n" for key, value in ranges[i].items())
                )
            (directory / f"{tid}.yaml").write_text(
                HEADER
                + f"id: {tid}\ndisplay_name: {tier.title()} {i}\ntier: {tier}\n"
                + f"region: us-central1\ncontact_email: ops{i}@{PREFIXES[tier]}.example\n"
                + extra,
                encoding="utf-8",
            )
    return ids
