"""A whole registry's cost from per-stack parts, each cached next to the stack's plan.

Pricing reads across stacks only through ``estimate.Context.answer``: node pools by cluster,
namespace quotas by cluster, storage classes, the free tenants. So each stack's cache entry holds
- its facts (``StackFacts``): what the stack contributes to those answers, and
- its costs summed per tenant, each with the cross-stack answers its pricing read (``reads``).

The entry's key is the stack's content key with the cost code, the catalogue and the assumptions,
so facts and costs are those of that very plan. The costs are reused only when every answer they
read is the same in the registry priced now: a new namespace's quota on the shared cluster, or a
storage class changed in another stack, prices the stacks that read it again. A pull request that
changes one tenant therefore prices that tenant's stack on each side, and reads the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.plan_model import PlanStack
from tenancy.cost.catalogue import Catalogue
from tenancy.cost.estimate import (
    DEDICATED,
    Context,
    Estimate,
    Line,
    StackFacts,
    StackIndex,
    UnpricedResource,
    _r,
    price_stack,
    tenants_of,
)

SCHEME = "tenancy-cost/1"
VARIANTS = 4  # costs kept per stack for different answers (the two sides of a pull request)


@dataclass
class Totals:
    """What the pull request's Cost section compares: each tenant's monthly total, the whole."""

    catalogue_date: str
    tenants: dict[str, tuple[str, float]]  # id -> (tier, monthly USD as the estimate JSON rounds)
    total: float
    unpriced: list[UnpricedResource] = field(default_factory=list)

    @classmethod
    def of_estimate(cls, result: Estimate) -> Totals:
        rows = result.to_json()["tenants"]
        return cls(
            result.catalogue_date,
            {row["tenant"]: (row["tier"], row["monthly_usd"]) for row in rows},
            result.total,
            list(result.unpriced),
        )


def cost_code(
    catalogue_dir: Path, assumptions: dict[str, float], code_dir: Path = Path(__file__).parent
) -> str:
    """What every stack's costs depend on besides its plan: this package's code, the catalogue's
    files and the assumptions."""
    h = hashlib.sha256(SCHEME.encode())
    files = sorted(Path(code_dir).glob("*.py")) + sorted(Path(catalogue_dir).glob("*.yaml"))
    for path in files:
        for part in (path.name.encode(), path.read_bytes()):
            h.update(len(part).to_bytes(8, "big") + part)
    h.update(repr(sorted(assumptions.items())).encode())
    return h.hexdigest()


def _entry_key(stack_key: str, code: str) -> str:
    return hashlib.sha256("\0".join([SCHEME, stack_key, code]).encode()).hexdigest()


@dataclass
class _Costs:
    """One stack's priced lines summed: per tenant (dedicated, share), the platform's own."""

    reads: dict[str, str]
    tenants: dict[str, list[float]]
    platform: float
    total: float
    unpriced: list[UnpricedResource]

    @classmethod
    def of_lines(
        cls, reads: dict[str, str], lines: list[Line], unpriced: list[UnpricedResource]
    ) -> _Costs:
        tenants: dict[str, list[float]] = {}
        platform = total = 0.0
        for line in lines:
            total += line.monthly_usd
            if line.tenant is None:
                platform += line.monthly_usd
                continue
            sums = tenants.setdefault(line.tenant, [0.0, 0.0])
            sums[0 if line.kind == DEDICATED else 1] += line.monthly_usd
        return cls(reads, tenants, platform, total, unpriced)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reads": self.reads,
            "tenants": self.tenants,
            "platform": self.platform,
            "total": self.total,
            "unpriced": [[u.urn, u.type, u.stack, u.tenant, u.reason] for u in self.unpriced],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Costs:
        return cls(
            {str(k): str(v) for k, v in data["reads"].items()},
            {str(t): [float(d), float(s)] for t, (d, s) in data["tenants"].items()},
            float(data["platform"]),
            float(data["total"]),
            [UnpricedResource(*u) for u in data["unpriced"]],
        )

    def holds_for(self, ctx: Context) -> bool:
        """True when every cross-stack answer these costs read is the same in ``ctx``."""
        return all(ctx.fingerprint_of(read) == seen for read, seen in self.reads.items())


def _read_entry(cache: Any, key: str) -> tuple[StackFacts, list[_Costs]] | None:
    data = cache.get_costs(key)
    try:
        return StackFacts.from_dict(data["facts"]), [_Costs.from_dict(v) for v in data["costs"]]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None  # absent or not this format: priced again, and overwritten


def registry_totals(
    names: list[str],
    keys: dict[str, str | None],
    load: Callable[[list[str]], dict[str, PlanStack]],
    catalogue: Catalogue,
    assumptions: dict[str, float],
    cache: Any,
    code: str,
) -> Totals:
    """The totals of the stacks ``names`` (in this order), as ``estimate`` of their whole plan
    would give them (to the last rounding), reading each stack's plan only when its entry is not
    cached or its costs read answers that changed. ``load(names)`` returns those stacks' plans;
    ``keys`` their content keys (None: not cached)."""
    entry_keys = {
        n: _entry_key(k, code)
        for n in names
        if (k := keys.get(n)) is not None and cache is not None
    }
    entries = {n: _read_entry(cache, key) for n, key in entry_keys.items()}
    indexes: dict[str, StackIndex] = {}

    def index_of(wanted: list[str]) -> None:
        todo = [n for n in wanted if n not in indexes]
        if todo:
            indexes.update({n: StackIndex(s) for n, s in load(todo).items()})

    index_of([n for n in names if entries.get(n) is None])
    facts = {
        n: entry[0] if (entry := entries.get(n)) is not None else StackFacts.of(indexes[n])
        for n in names
    }
    ctx = Context(catalogue, assumptions, [facts[n] for n in names])

    costs: dict[str, _Costs] = {}
    for n in names:
        entry = entries.get(n)
        found = next((c for c in entry[1] if c.holds_for(ctx)), None) if entry else None
        if found is not None:
            costs[n] = found
    index_of([n for n in names if n not in costs])
    for n in names:
        if n in costs:
            continue
        lines: list[Line] = []
        unpriced: list[UnpricedResource] = []
        ctx.reads = {}
        price_stack(indexes[n], ctx, lines, unpriced)
        costs[n] = _Costs.of_lines(ctx.reads, lines, unpriced)
        ctx.reads = None
        if n in entry_keys:
            entry = entries.get(n)
            older = entry[1] if entry is not None else []
            cache.put_costs(
                entry_keys[n],
                {
                    "facts": facts[n].to_dict(),
                    "costs": [c.to_dict() for c in [costs[n], *older][:VARIANTS]],
                },
            )

    tiers = tenants_of(ctx, [facts[n] for n in names])
    sums = {t: [0.0, 0.0] for t in tiers}
    total = 0.0
    unpriced_all: list[UnpricedResource] = []
    for n in names:
        part = costs[n]
        total += part.total
        unpriced_all += part.unpriced
        for tenant, (dedicated, share) in part.tenants.items():
            sums[tenant][0] += dedicated
            sums[tenant][1] += share
    return Totals(
        catalogue.date,
        {t: (tier, _r(sums[t][0] + sums[t][1])) for t, tier in sorted(tiers.items())},
        total,
        unpriced_all,
    )
