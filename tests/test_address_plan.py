"""The address plan: every range of every enterprise tenant (nodes, pods, services, control plane)
comes from the environment's pools, overlaps nothing, and never moves when tenants are added."""

from __future__ import annotations

import ipaddress
import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from support import ENTERPRISE_HEAD, SAMPLE_TENANTS, registry_problems, write_tenant

from domain.networks import (
    RANGE_FIELDS,
    RANGE_KINDS,
    allocate,
    first_free,
    net,
    platform_ranges,
    range_problems,
    registry_ranges,
)
from domain.registry import load_registry
from domain.replacement import replace_reasons
from domain.stacks import all_stacks
from tenancy.onboarding import write_new_tenant
from tenancy.plan.engine import plan_stacks

ENTERPRISE = ENTERPRISE_HEAD + "custom_domain: app.{id}.example\n"


def _all_pairs_disjoint(networks: list[ipaddress.IPv4Network]) -> bool:
    ordered = sorted(networks, key=lambda n: int(n.network_address))
    return all(
        int(a.broadcast_address) < int(b.network_address) for a, b in itertools.pairwise(ordered)
    )


# --- the allocator -----------------------------------------------------------------------------


@hsettings(max_examples=60, deadline=None)
@given(
    existing=st.lists(
        st.tuples(st.sampled_from(RANGE_KINDS), st.integers(0, 2**20), st.integers(0, 6)),
        max_size=12,
    ),
    new=st.integers(1, 25),
)
def test_allocation_never_overlaps(settings, existing, new) -> None:
    """Whatever the tenants already hold (hand-written ranges anywhere in the pools, any size),
    every allocated range is inside its pool and overlaps nothing: the platform, earlier tenants
    or the new tenant's own other ranges."""
    taken: list[ipaddress.IPv4Network] = []
    for kind, offset, extra_bits in existing:
        pool = net(settings.address_plan.pool(kind).cidr)
        prefix = min(settings.address_plan.pool(kind).prefix + extra_bits, 29)
        slots = 2 ** (prefix - pool.prefixlen)
        candidate = list(pool.subnets(new_prefix=prefix))[offset % slots] if slots < 5000 else None
        if candidate is None:
            base = int(pool.network_address) + (offset % slots) * 2 ** (32 - prefix)
            candidate = ipaddress.IPv4Network((base, prefix))
        reserved = [r.network for r in platform_ranges(settings)]
        if not any(candidate.overlaps(o) for o in taken + reserved):
            taken.append(candidate)
    before = list(taken)
    for _ in range(new):
        ranges = allocate(settings, taken)
        if ranges is None:
            break
        for field, cidr in ranges.items():
            kind = next(k for k, f in RANGE_FIELDS.items() if f == field)
            assert net(cidr).subnet_of(net(settings.address_plan.pool(kind).cidr))
        taken += [net(c) for c in ranges.values()]
    everything = taken + [r.network for r in platform_ranges(settings)]
    assert _all_pairs_disjoint(everything)
    assert taken[: len(before)] == before  # nothing already held is moved or dropped


def test_first_free_skips_a_platform_range_inside_a_pool(settings) -> None:
    # The nodes pool holds the platform subnet 10.10.0.0/20 and pods range 10.64.0.0/14.
    found = [first_free(settings, "nodes", [])]
    taken = []
    for _ in range(200):
        hit = first_free(settings, "nodes", taken)
        assert hit is not None
        taken.append(hit)
    assert found[0] is not None
    assert not any(
        t.overlaps(net("10.10.0.0/20")) or t.overlaps(net("10.64.0.0/14")) for t in taken
    )


def test_a_full_pool_allocates_nothing(settings) -> None:
    pool = net(settings.address_plan.control_plane.cidr)
    everything = list(pool.subnets(new_prefix=28))
    assert allocate(settings, everything) is None


# --- validation --------------------------------------------------------------------------------


def test_the_sample_registry_has_no_overlap(registry, settings) -> None:
    held = registry_ranges(registry.tenants)
    assert len(held) == 4 * len([t for t in registry.tenants if t.tier == "enterprise"])
    assert _all_pairs_disjoint(held + [r.network for r in platform_ranges(settings)])


RANGES = {
    "network_cidr": "10.30.0.0/20",
    "pods_cidr": "10.250.0.0/16",
    "services_cidr": "10.251.0.0/20",
    "control_plane_cidr": "172.16.47.224/28",
}


def _file(tid: str, **changes: str | None) -> str:
    ranges = {**RANGES, **changes}
    return ENTERPRISE.format(id=tid) + "".join(
        f"{k}: {v}\n" for k, v in ranges.items() if v is not None
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        (
            {"pods_cidr": None},
            "pods_cidr: required field is missing: every enterprise tenant holds its own ranges",
        ),
        (
            {"pods_cidr": "10.128.0.0/16"},
            "pods_cidr: 10.128.0.0/16 overlaps the pods range of robinhood.yaml (10.128.0.0/14); "
            "a free one: ",
        ),
        (
            {"services_cidr": "10.250.0.0/20"},
            "services_cidr: 10.250.0.0/20 overlaps its own pods range (10.250.0.0/16)",
        ),
        (
            {"control_plane_cidr": "172.16.32.0/28"},
            "control_plane_cidr: 172.16.32.0/28 overlaps the control plane range of robinhood.yaml",
        ),
        (
            {"control_plane_cidr": "172.16.0.16/28"},
            "the control plane of cluster 'pool-b' (172.16.0.16/28)",
        ),
        (
            {"control_plane_cidr": "172.16.0.16/28"},
            "control_plane_cidr: 172.16.0.16/28 is outside the address plan's control_plane pool "
            "172.16.32.0/20 (address_plan.control_plane in Pulumi.dev.yaml)",
        ),
        ({"pods_cidr": "192.168.0.0/16"}, "is outside the address plan's pods pool 10.128.0.0/9"),
        ({"services_cidr": "10.64.0.0/20"}, "the platform pods range (network.pods_cidr)"),
        ({"network_cidr": "10.200.0.0/20"}, "master authorized network 'platform-vpn'"),
        ({"control_plane_cidr": "172.16.47.224/27"}, "must be a private IPv4 /28"),
    ],
)
def test_every_range_is_checked_against_the_plan(tenants_dir, settings, changes, expected) -> None:
    write_tenant(tenants_dir, "umbrella.yaml", _file("umbrella", **changes))
    if expected is None:
        load_registry(tenants_dir, settings)
        return
    found = registry_problems(tenants_dir, settings)
    assert any(p.startswith("umbrella.yaml") and expected in p for p in found), "\n".join(found)


def test_two_tenants_claiming_one_range_are_both_told(tenants_dir, settings) -> None:
    write_tenant(tenants_dir, "umbrella.yaml", _file("umbrella"))
    write_tenant(tenants_dir, "initech.yaml", _file("initech"))
    found = registry_problems(tenants_dir, settings)
    for field in RANGE_FIELDS.values():
        assert any(p.startswith("umbrella.yaml") and f"{field}:" in p for p in found)
        assert any(p.startswith("initech.yaml") and f"{field}:" in p for p in found)


def test_range_problems_is_pure(settings) -> None:
    ok = [("a.yaml", RANGES)]
    assert range_problems(settings, ok) == []


# --- onboarding --------------------------------------------------------------------------------


def test_new_enterprise_tenants_get_disjoint_ranges(tenants_dir, settings) -> None:
    for index in range(5):
        registry = load_registry(tenants_dir, settings)
        write_new_tenant(
            registry,
            settings,
            tenant_id=f"bigcorp{index}",
            tier="enterprise",
            custom_domain=f"app.bigcorp{index}.example",
        )
    registry = load_registry(tenants_dir, settings)  # validates every range of every tenant
    held = registry_ranges(registry.tenants)
    assert len(held) == 4 * len([t for t in registry.tenants if t.tier == "enterprise"])
    assert _all_pairs_disjoint(held)


# --- transition: adding a tenant moves nobody ----------------------------------------------------

# What decides a dedicated cluster's addresses, and is replace-forcing (domain.replacement cites
# terraform-provider-google: masterIpv4CidrBlock, the secondary range names, the subnetwork; the
# subnetwork's ipCidrRange when it shrinks). The secondary ranges' CIDRs are compared too: GKE
# cannot change a range its cluster uses.
ADDRESS_TYPES = ("gcp:container/cluster:Cluster", "gcp:compute/subnetwork:Subnetwork")


def _addressing(plan, tenant: str) -> dict[str, dict]:
    stack = next(s for s in plan.stacks if s.tenant == tenant)
    return {r.type: r.inputs for r in stack.resources if r.type in ADDRESS_TYPES}


def test_adding_an_enterprise_tenant_does_not_move_an_existing_one(tmp_path, settings) -> None:
    base_dir = tmp_path / "base"
    shutil.copytree(SAMPLE_TENANTS, base_dir)
    head_dir = tmp_path / "head"
    shutil.copytree(SAMPLE_TENANTS, head_dir)
    write_new_tenant(
        load_registry(head_dir, settings),
        settings,
        tenant_id="initech",
        tier="enterprise",
        custom_domain="app.initech.example",
    )

    def plan(directory: Path, ids: list[str]):
        registry = load_registry(directory, settings)
        specs = [s for s in all_stacks(registry, "dev") if s.tenant_id in ids]
        return plan_stacks(specs, settings, registry, workers=1)

    base = _addressing(plan(base_dir, ["robinhood"]), "robinhood")
    head_plan = plan(head_dir, ["robinhood", "initech"])
    head = _addressing(head_plan, "robinhood")
    assert base.keys() == head.keys() and len(base) == 2
    for kind, before in base.items():
        assert replace_reasons(kind, before, head[kind]) == [], kind
        assert before == head[kind], kind
    # The newcomer's cluster and subnet hold ranges disjoint from robinhood's.
    new = _addressing(head_plan, "initech")
    cluster, subnet = new[ADDRESS_TYPES[0]], new[ADDRESS_TYPES[1]]
    old_subnet = head[ADDRESS_TYPES[1]]
    mine = [net(subnet["ipCidrRange"])] + [
        net(r["ipCidrRange"]) for r in subnet["secondaryIpRanges"]
    ]
    theirs = [net(old_subnet["ipCidrRange"])] + [
        net(r["ipCidrRange"]) for r in old_subnet["secondaryIpRanges"]
    ]
    mine.append(net(cluster["privateClusterConfig"]["masterIpv4CidrBlock"]))
    assert _all_pairs_disjoint(mine + theirs)
