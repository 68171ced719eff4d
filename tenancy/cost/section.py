"""The Cost section of the pull-request comment: per changed tenant, before, after, difference.

Both plans are priced with the head's catalogue and default assumptions, so the difference is
what the change itself does, not a change of prices.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.plan_model import Plan
from tenancy.automation.markdown import code
from tenancy.cost.catalogue import load_catalogue, parse_assumptions
from tenancy.cost.estimate import Estimate, estimate

EPSILON = 0.005  # half a cent: below it, a tenant's cost did not change


@dataclass
class CostComparison:
    headline: str
    body: str
    incomplete: bool  # the head has resources the catalogue cannot price


def usd(value: float) -> str:
    return f"${value:,.2f}"


def signed(value: float) -> str:
    if abs(value) < EPSILON:
        return "$0.00"
    return ("+" if value > 0 else "−") + usd(abs(value))


def _totals(result: Estimate) -> dict[str, tuple[str, float]]:
    return {row["tenant"]: (row["tier"], row["monthly_usd"]) for row in result.to_json()["tenants"]}


def compare(base: Plan, head: Plan) -> CostComparison:
    catalogue = load_catalogue()
    assumptions = parse_assumptions(catalogue, [])
    before_estimate = estimate(base, catalogue, assumptions)
    after_estimate = estimate(head, catalogue, assumptions)
    before, after = _totals(before_estimate), _totals(after_estimate)
    rows = []
    for tenant in sorted(set(before) | set(after)):
        old = before.get(tenant, ("", 0.0))[1]
        new = after.get(tenant, ("", 0.0))[1]
        if tenant in before and tenant in after and abs(new - old) < EPSILON:
            continue
        tier = (after.get(tenant) or before.get(tenant) or ("", 0.0))[0]
        rows.append(
            f"| {code(tenant, table=True)} | {code(tier, table=True)} | "
            f"{usd(old) if tenant in before else '— (new)'} | "
            f"{usd(new) if tenant in after else '— (removed)'} | {signed(new - old)} |"
        )
    total_before, total_after = before_estimate.total, after_estimate.total
    diff = total_after - total_before
    headline = (
        f"{signed(diff)} a month ({len(rows)} tenant(s) changed)"
        if rows or abs(diff) >= EPSILON
        else "no change"
    )
    lines = [
        f"Monthly estimate in USD (prices of {after_estimate.catalogue_date}, default assumptions;"
        " `tenancy cost` and docs/cost.md say how).",
        "",
    ]
    if rows:
        lines += [
            "| tenant | tier | before | after | difference |",
            "|---|---|---:|---:|---:|",
            *rows,
        ]
    else:
        lines.append("No tenant's cost changed.")
    lines += [
        "",
        f"**Total** (every tenant and the platform's own): {usd(total_before)} → "
        f"{usd(total_after)} ({signed(diff)} a month).",
    ]
    if after_estimate.unpriced:
        lines += [
            "",
            f"{len(after_estimate.unpriced)} resource(s) of the head could not be priced:",
        ]
        lines += [
            f"- {code(u.type)} {code(u.urn)}: {code(u.reason)}"
            for u in after_estimate.unpriced[:20]
        ]
    return CostComparison(headline, "\n".join(lines), bool(after_estimate.unpriced))
