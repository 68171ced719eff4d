"""The pull request's Cost section: per changed tenant before, after, difference; the total."""

from __future__ import annotations

from cost_plans import HOURS, platform_stack, standard_stack

from domain.plan_model import Plan
from tenancy.cost.section import compare

# Default assumptions apply here (the section uses them): nodes at the autoscaling minimum.


def test_an_unchanged_plan_says_no_change() -> None:
    plan = Plan([platform_stack(), standard_stack()])
    result = compare(plan, plan)
    assert result.headline == "no change"
    assert "No tenant's cost changed." in result.body and "**Total**" in result.body


def test_a_new_standard_tenant_is_a_row_and_moves_the_shares() -> None:
    base = Plan([platform_stack()])
    head = Plan([platform_stack(), standard_stack()])
    result = compare(base, head)
    lines = result.body.splitlines()
    std = next(line for line in lines if line.startswith("| `std`"))
    assert "| — (new) |" in std
    # The new namespace takes part of the pool's nodes from the free-tier namespace, so both free
    # tenants' costs fall: they are changed tenants too.
    assert any(line.startswith("| `fa`") and "| −$" in line for line in lines)
    assert any(line.startswith("| `fb`") and "| −$" in line for line in lines)
    assert result.headline.endswith("a month (3 tenant(s) changed)")


def test_the_total_difference_is_the_new_tenants_resources() -> None:
    base = Plan([platform_stack()])
    head = Plan([platform_stack(), standard_stack()])
    result = compare(base, head)
    # The pool's nodes are only reallocated, so the total grows by the standard stack's own
    # resources: HA db-custom-1-3840 with 20 GiB regional SSD, its zonal replica, the bucket
    # (100 GB quota x 0.5 x $0.020 + default operations 100,000 x $0.05/10k + 1 M x $0.004/10k)
    # and the Temporal namespace at the default standard-tier usage (500,000 actions, 0.2 GB
    # active, 0.02 GB/day x 10 days retained), two regions, +10%.
    sql = (1 * 0.0826 + 3.75 * 0.014) * HOURS + 20 * 0.34
    replica = (1 * 0.0413 + 3.75 * 0.007) * HOURS + 20 * 0.17
    bucket = 100 * 0.5 * 0.020 + 100_000 / 1e4 * 0.05 + 1_000_000 / 1e4 * 0.004
    temporal = (0.5 * 50 + 0.2 * 0.042 * HOURS + 0.02 * 10 * 0.00105 * HOURS) * 2 * 1.10
    expected = sql + replica + bucket + temporal
    assert result.headline.startswith(f"+${expected:,.2f} a month")


def test_a_removed_tenant_shows_as_removed() -> None:
    result = compare(Plan([platform_stack(), standard_stack()]), Plan([platform_stack()]))
    std = next(line for line in result.body.splitlines() if line.startswith("| `std`"))
    assert "| — (removed) |" in std and "| −$" in std
