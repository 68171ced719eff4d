"""The Cost section of the pull-request comment: per changed tenant, before, after, difference.

Both plans are priced with the head's catalogue and default assumptions, so the difference is
what the change itself does, not a change of prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.plan_model import Plan, PlanStack
from tenancy.automation.markdown import code
from tenancy.cost.catalogue import load_catalogue, parse_assumptions
from tenancy.cost.estimate import estimate
from tenancy.cost.incremental import Totals, cost_code, registry_totals

EPSILON = 0.005  # half a cent: below it, a tenant's cost did not change


@dataclass
class CostComparison:
    headline: str
    body: str
    incomplete: bool  # the head has resources the catalogue cannot price
    before: dict[str, float] = field(default_factory=dict)  # tenant -> monthly USD, base
    after: dict[str, float] = field(default_factory=dict)  # tenant -> monthly USD, head


def usd(value: float) -> str:
    return f"${value:,.2f}"


def signed(value: float) -> str:
    if abs(value) < EPSILON:
        return "$0.00"
    return ("+" if value > 0 else "−") + usd(abs(value))


def compare(base: Plan, head: Plan) -> CostComparison:
    """The section's comparison of two whole plans."""
    catalogue = load_catalogue()
    assumptions = parse_assumptions(catalogue, [])
    return compare_totals(
        Totals.of_estimate(estimate(base, catalogue, assumptions)),
        Totals.of_estimate(estimate(head, catalogue, assumptions)),
    )


def compare_totals(before_estimate: Totals, after_estimate: Totals) -> CostComparison:
    before, after = before_estimate.tenants, after_estimate.tenants
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
    return CostComparison(
        headline,
        "\n".join(lines),
        bool(after_estimate.unpriced),
        {t: v for t, (_, v) in before.items()},
        {t: v for t, (_, v) in after.items()},
    )


def whole_totals(ctx) -> tuple[Totals, Totals]:
    """Both sides' totals over every stack. The comment plans only the changed stacks on each
    side; the unchanged ones are the same on both (same content key), so they come from the
    head, and every stack's costs come from the cache where its plan's key has them
    (``tenancy.cost.incremental``)."""
    from domain.project import project_root

    catalogue = load_catalogue()
    assumptions = parse_assumptions(catalogue, [])
    version = cost_code(project_root() / "pricing", assumptions)
    changed = set(ctx.changed_stacks)
    base_changed = {s.name: s for s in ctx.base_plan.stacks if s.name in changed}
    base_names = sorted(set(base_changed) | {n for n in ctx.all_stacks if n not in changed})

    def load_base(names: list[str]) -> dict[str, PlanStack]:
        found = {n: base_changed[n] for n in names if n in base_changed}
        rest = [n for n in names if n not in base_changed]
        return found | (ctx.load_head_stacks(rest) if rest else {})

    base_keys = {n: (ctx.base_keys if n in changed else ctx.head_keys).get(n) for n in base_names}

    def side(names, keys, load) -> Totals:
        return registry_totals(names, keys, load, catalogue, assumptions, ctx.plan_cache, version)

    return (
        side(base_names, base_keys, load_base),
        side(ctx.all_stacks, dict(ctx.head_keys), ctx.load_head_stacks),
    )


def pr_cost_section(ctx):
    """The Cost section of `tenancy pr-comment` (never blocking)."""
    from tenancy.automation.pr_comment import Section, code_block
    from tenancy.cost.catalogue import CatalogueError

    title = "Cost"
    if ctx.load_head_stacks is None or ctx.head_plan is None:
        return Section(
            title, "unavailable", "no head plan", "Not estimated: there is no head plan."
        )
    if ctx.base_plan is None:
        return Section(
            title,
            "unavailable",
            "base plan unavailable",
            "Not estimated: the base plan could not be made, so there is nothing to compare with.",
        )
    try:
        base, head = whole_totals(ctx)
        ctx.cost = compare_totals(base, head)
    except CatalogueError as exc:
        return Section(title, "failed", "estimate failed", code_block("\n".join(exc.problems)))
    except Exception as exc:  # a plan the estimate cannot read is reported, not raised
        return Section(
            title, "failed", "estimate failed", code_block(f"{type(exc).__name__}: {exc}")
        )
    note = f"{ctx.base_note}\n\n" if ctx.base_note else ""
    status = "failed" if ctx.cost.incomplete else "passed"
    return Section(title, status, ctx.cost.headline, note + ctx.cost.body)


def tenant_cost_cell(ctx, tenant: str) -> str | None:
    """`before → after` for a tenant line of the comment's summary, once the section is built."""
    comparison: CostComparison | None = getattr(ctx, "cost", None)
    if comparison is None:
        return None
    before, after = comparison.before.get(tenant), comparison.after.get(tenant)
    if before is None:
        return None if after is None else f"new: {usd(after)}"
    if after is None:
        return f"{usd(before)} → removed"
    return f"{usd(before)} → {usd(after)} ({signed(after - before)})"
