"""The per-tier cost table `tenancy docs` writes into docs/cost.md (the cost model of seed 002)."""

from __future__ import annotations

from domain.plan_model import Plan
from tenancy.cost.catalogue import load_catalogue, parse_assumptions
from tenancy.cost.estimate import TIERS, estimate


def usd(value: float) -> str:
    return f"${value:,.2f}"


def per_tier_markdown(plan: Plan) -> str:
    """A typical tenant of each tier (the median by total) of the sample registry's plan."""
    catalogue = load_catalogue()
    result = estimate(plan, catalogue, parse_assumptions(catalogue, []))
    data = result.to_json()
    lines = [
        f"Prices of {data['catalogue_date']}, default assumptions (`pricing/assumptions.yaml`), the"
        " sample registry in `dev`. A typical tenant is the median of its tier by total.",
        "",
        "| tier | typical tenant | dedicated | shared | total a month | tenants of the tier"
        " | tier total |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    tiers = {row["tier"]: row for row in data["tiers"]}
    for tier in TIERS:
        rows = sorted(
            (r for r in data["tenants"] if r["tier"] == tier),
            key=lambda r: (r["monthly_usd"], r["tenant"]),
        )
        if not rows:
            continue
        typical = rows[(len(rows) - 1) // 2]
        lines.append(
            f"| {tier} | `{typical['tenant']}` | {usd(typical['dedicated_usd'])} | "
            f"{usd(typical['shared_usd'])} | {usd(typical['monthly_usd'])} | {len(rows)} | "
            f"{usd(tiers[tier]['monthly_usd'])} |"
        )
    lines += [
        "",
        f"The platform's own resources (network, NAT, ingress load balancers, DNS zone, cluster"
        f" management fees) come to {usd(result.platform_total)} a month on top;"
        " everything together"
        f" {usd(result.total)}.",
    ]
    if result.unpriced:
        lines.append(
            f"\n{len(result.unpriced)} resource(s) could not be priced and are not counted."
        )
    return "\n".join(lines) + "\n"
