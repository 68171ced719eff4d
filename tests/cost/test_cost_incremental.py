"""Per-stack cost parts from the cache (tenancy.cost.incremental) against the whole estimate.

Every case is a pair of states: the cache is filled by pricing the base (what a run on main
leaves), then the head is priced from it. The totals must be those of ``estimate`` over the
head's whole plan, the plans read must be only those whose costs could have changed, and the
same head priced from an empty cache must give exactly the same totals.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from cost_plans import Builder, platform_stack, quota, standard_stack

from domain.plan_model import Plan, PlanStack
from tenancy.cost.catalogue import load_catalogue, parse_assumptions
from tenancy.cost.estimate import estimate
from tenancy.cost.incremental import Totals, cost_code, registry_totals
from tenancy.plan.cache import PlanCache
from tenancy.plan.incremental import content_key

PRICING = Path(__file__).resolve().parents[2] / "pricing"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(PRICING)


def with_volumes() -> PlanStack:
    """A standard tenant whose Neo4j volume is priced by a storage class of the platform."""
    stack = standard_stack()
    b = Builder.over(stack)
    b.add(
        "kubernetes:core/v1:PersistentVolumeClaim",
        "std-neo4j-data",
        {"spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "50Gi"}}}},
        provider=b.k8s,
    )
    return stack


def platform(storage: str = "pd-ssd", free_quota: str = "6") -> PlanStack:
    stack = platform_stack()
    b = Builder.over(stack)
    b.add(
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "fast",
        {"metadata": {"name": "fast"}, "parameters": {"type": storage}},
        provider=b.k8s,
    )
    for r in stack.resources:
        if r.type == "kubernetes:core/v1:ResourceQuota":
            r.inputs["spec"]["hard"]["requests.cpu"] = free_quota
    return stack


def another_standard(tenant: str = "std2", cpu: str = "2") -> PlanStack:
    b = Builder(f"t.{tenant}", tenant, "standard")
    quota(b, f"tenant-{tenant}", cpu, "4Gi")
    b.add(
        "gcp:storage/bucket:Bucket",
        f"{tenant}-uploads",
        {"name": f"{tenant}-uploads", "location": "US-CENTRAL1"},
    )
    b.add(
        "kubernetes:core/v1:ConfigMap",
        f"{tenant}-app-values",
        {"data": {"BUCKET": f"{tenant}-uploads", "STORAGE_QUOTA_GB": "10"}},
        provider=b.k8s,
    )
    return b.stack


def renamed_bucket(stack: PlanStack) -> PlanStack:
    changed = copy.deepcopy(stack)
    for r in changed.resources:
        if r.type == "gcp:storage/bucket:Bucket":
            r.inputs["storageClass"] = "NEARLINE"
    return changed


class Priced:
    """registry_totals over a plan, recording which stacks' plans it had to read."""

    def __init__(self, cache: PlanCache | None, catalogue) -> None:
        self.cache, self.catalogue = cache, catalogue
        self.assumptions = parse_assumptions(catalogue, [])
        self.code = cost_code(PRICING, self.assumptions)
        self.loaded: list[str] = []

    def totals(self, plan: Plan) -> Totals:
        stacks = {s.name: s for s in plan.stacks}
        self.loaded = []

        def load(names: list[str]) -> dict[str, PlanStack]:
            self.loaded += names
            return {n: stacks[n] for n in names}

        names = [s.name for s in plan.stacks]
        keys: dict[str, str | None] = {s.name: content_key(s) for s in plan.stacks}
        return registry_totals(
            names, keys, load, self.catalogue, self.assumptions, self.cache, self.code
        )

    def whole(self, plan: Plan) -> Totals:
        return Totals.of_estimate(estimate(plan, self.catalogue, self.assumptions))


def assert_same(got: Totals, want: Totals) -> None:
    assert {t: tier for t, (tier, _) in got.tenants.items()} == {
        t: tier for t, (tier, _) in want.tenants.items()
    }
    for tenant, (_, usd) in want.tenants.items():
        assert got.tenants[tenant][1] == pytest.approx(usd, abs=1e-6), tenant
    assert got.total == pytest.approx(want.total, abs=1e-6)
    assert [u.urn for u in got.unpriced] == [u.urn for u in want.unpriced]
    assert got.catalogue_date == want.catalogue_date


BASE = [platform(), with_volumes(), another_standard()]

# (case, head stacks, the stacks whose plans must be read: changed, or their costs read an answer
# that changed)
CASES = [
    ("nothing changes", BASE, []),
    (
        "one tenant changes its own resources",
        [BASE[0], renamed_bucket(BASE[1]), BASE[2]],
        ["t.std"],
    ),
    (
        # The platform's pool is apportioned by every namespace's quota: a new namespace prices
        # the platform stack again (and the free tenants' shares fall), not the other tenants.
        "a new standard tenant on the shared cluster",
        [*BASE, another_standard("std3", "4")],
        ["t.std3", "t"],
    ),
    (
        "a tenant's quota on the shared cluster changes",
        [BASE[0], BASE[1], another_standard(cpu="8")],
        ["t.std2", "t"],
    ),
    (
        # The storage class lives in the platform stack; the tenant stack's volume is priced by
        # it. The tenant stack's key is the same, so only its recorded reads can catch it.
        "a storage class another stack's volume uses changes type",
        [platform(storage="pd-standard"), BASE[1], BASE[2]],
        ["t", "t.std"],
    ),
    ("a tenant is removed", [BASE[0], BASE[1]], ["t"]),
]


@pytest.mark.parametrize(("case", "head", "reads"), CASES, ids=[c[0] for c in CASES])
def test_cached_parts_give_the_whole_estimate(case, head, reads, catalogue, tmp_path) -> None:
    priced = Priced(PlanCache(tmp_path / "cache"), catalogue)
    base_plan, head_plan = Plan(BASE), Plan(head)
    assert_same(priced.totals(base_plan), priced.whole(base_plan))
    assert sorted(priced.loaded) == sorted(s.name for s in BASE)  # an empty cache reads all

    got = priced.totals(head_plan)
    assert_same(got, priced.whole(head_plan))
    assert sorted(priced.loaded) == sorted(reads)

    # Warm or cold, the same totals to the last bit (the comment must not depend on the cache).
    cold = Priced(PlanCache(tmp_path / "other"), catalogue).totals(head_plan)
    uncached = Priced(None, catalogue).totals(head_plan)
    assert got == cold == uncached


def test_the_storage_class_case_really_changes_the_volume(catalogue, tmp_path) -> None:
    """The case above would pass with a stale entry if the class change cost nothing."""
    priced = Priced(PlanCache(tmp_path), catalogue)
    before = priced.totals(Plan(BASE)).tenants["std"][1]
    after = priced.totals(Plan([platform(storage="pd-standard"), *BASE[1:]])).tenants["std"][1]
    assert after < before


def test_both_sides_of_a_pull_request_stay_cached(catalogue, tmp_path) -> None:
    """The platform stack's costs differ between the sides (another tenant's quota), so its
    entry keeps one set of costs per side: alternating sides reads no plan again."""
    priced = Priced(PlanCache(tmp_path), catalogue)
    base, head = Plan(BASE), Plan([BASE[0], BASE[1], another_standard(cpu="8")])
    priced.totals(base)
    priced.totals(head)
    for plan in (base, head, base):
        priced.totals(plan)
        assert priced.loaded == []


def test_an_unreadable_entry_is_priced_again(catalogue, tmp_path) -> None:
    priced = Priced(PlanCache(tmp_path), catalogue)
    want = priced.totals(Plan(BASE))
    for entry in (tmp_path / "costs").rglob("*.json"):
        data = json.loads(entry.read_text())
        data["costs"][0]["tenants"] = "tampered"
        entry.write_text(json.dumps(data))
    assert priced.totals(Plan(BASE)) == want
    assert sorted(priced.loaded) == sorted(s.name for s in BASE)


def test_a_forged_read_is_not_served(catalogue, tmp_path) -> None:
    """Costs whose recorded answers do not hold (here: every answer forged) are priced again,
    whatever they say. (A stack that reads nothing from other stacks is its key's alone.)"""
    priced = Priced(PlanCache(tmp_path), catalogue)
    priced.totals(Plan(BASE))
    forged = 0
    for entry in (tmp_path / "costs").rglob("*.json"):
        data = json.loads(entry.read_text())
        for costs in data["costs"]:
            if costs["reads"]:
                costs["reads"] = {k: "0" * 32 for k in costs["reads"]}
                costs["tenants"] = {t: [0.0, 0.0] for t in costs["tenants"]}
                forged += 1
        entry.write_text(json.dumps(data))
    assert forged == 2  # the platform stack's and the volume's tenant's
    assert_same(priced.totals(Plan(BASE)), priced.whole(Plan(BASE)))
    assert sorted(priced.loaded) == ["t", "t.std"]


def test_every_input_of_the_cost_code_changes_the_key(catalogue, tmp_path) -> None:
    """An entry's key covers the stack's content key (test_plan_cache), the cost code, every
    pricing file and the assumptions."""
    import shutil

    assumptions = parse_assumptions(catalogue, [])
    pricing = tmp_path / "pricing"
    shutil.copytree(PRICING, pricing)
    first = cost_code(pricing, assumptions)
    assert cost_code(pricing, assumptions) == first
    keys = {first}
    for path in sorted(pricing.glob("*.yaml")):
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        keys.add(cost_code(pricing, assumptions))
        path.write_bytes(original)
    changed = dict(assumptions)
    changed["node_pool_fill"] = assumptions["node_pool_fill"] + 0.1
    keys.add(cost_code(pricing, changed))
    code = tmp_path / "code"
    shutil.copytree(Path(cost_code.__code__.co_filename).parent, code)
    assert cost_code(pricing, assumptions, code) == first
    (code / "rules.py").write_text((code / "rules.py").read_text() + "\n# changed\n")
    keys.add(cost_code(pricing, assumptions, code))
    assert len(keys) == len(list(pricing.glob("*.yaml"))) + 3
    assert cost_code(pricing, assumptions) == first


def test_rules_read_other_stacks_only_through_recorded_answers() -> None:
    """The reads are only complete if no rule reaches the cross-stack facts directly: a rule
    that read ``ctx.storage_classes`` itself would be served stale costs."""
    import ast
    import inspect

    from tenancy.cost import rules

    raw = {"pools_by_cluster", "storage_classes", "quotas", "single_pool", "free_tenants"}
    tree = ast.parse(inspect.getsource(rules))
    touched = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in raw
        and isinstance(node.value, ast.Name)
        and node.value.id == "ctx"
    }
    assert touched == set()
