"""IP ranges: the platform's, and the environment's address plan every enterprise tenant's ranges
come from (nodes, pods, services, control plane), with the checks and the allocator.

Pure data and ``ipaddress``. A tenant's ranges are written in its file (``tenancy new`` allocates
them) and never derived from its position among the other tenants: a GKE cluster cannot move to
other ranges in place. In terraform-provider-google (hashicorp/terraform-provider-google@e03b7622,
google/services/container/resource_container_cluster.go) ``private_cluster_config
.master_ipv4_cidr_block`` (L2172-2179, "must be a /28 subnet") and
``ip_allocation_policy.cluster_secondary_range_name``/``services_secondary_range_name``
(L1941-1956) are ForceNew, and the subnetwork's ``ip_cidr_range`` replaces when it shrinks
(resource_compute_subnetwork.go L385, ``IsShrinkageIpCidr``); the pods and services ranges are
secondary ranges of that subnetwork, which GKE does not let go while the cluster uses them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.environment import EnvironmentSettings

# RFC 1918 private address space.
PRIVATE_RANGES = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)

# The kinds of range every enterprise tenant holds, in allocation order, and the tenant-file
# field of each.
RANGE_KINDS = ("nodes", "pods", "services", "control_plane")
RANGE_FIELDS = {
    "nodes": "network_cidr",
    "pods": "pods_cidr",
    "services": "services_cidr",
    "control_plane": "control_plane_cidr",
}
KIND_OF_FIELD = {f: k for k, f in RANGE_FIELDS.items()}
RANGE_WORDS = {
    "nodes": "node subnet",
    "pods": "pods range",
    "services": "services range",
    "control_plane": "control plane range",
}
# GKE's private control plane takes exactly a /28 (master_ipv4_cidr_block, see above).
CONTROL_PLANE_PREFIX = 28

Net = ipaddress.IPv4Network


@dataclass(frozen=True)
class Owned:
    """A range somebody holds: ``owner`` is a tenant file name or None for the platform."""

    what: str
    network: Net
    owner: str | None = None


def net(cidr: str) -> Net:
    return ipaddress.IPv4Network(cidr, strict=False)


def span(network: Net) -> tuple[int, int]:
    """The first and last address of a network, as integers."""
    return int(network.network_address), int(network.broadcast_address)


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two networks' spans share an address: ``IPv4Network.overlaps``, on integers."""
    return a[0] <= b[1] and b[0] <= a[1]


def platform_ranges(settings: EnvironmentSettings) -> list[Owned]:
    """Every range the platform holds: no tenant range may overlap one."""
    ranges = [
        ("the platform subnet (network.subnet_cidr)", settings.network.subnet_cidr),
        ("the platform pods range (network.pods_cidr)", settings.network.pods_cidr),
        ("the platform services range (network.services_cidr)", settings.network.services_cidr),
        *(
            (f"master authorized network {n.name!r}", n.cidr)
            for n in settings.master_authorized_networks
        ),
        *(
            (f"the control plane of cluster {c.name!r}", c.master_ipv4_cidr)
            for c in settings.clusters
        ),
    ]
    return [Owned(what, net(cidr)) for what, cidr in ranges]


def reserved_ranges(settings: EnvironmentSettings) -> list[tuple[str, Net]]:
    """(what, network) for every platform range (kept for callers that want pairs)."""
    return [(r.what, r.network) for r in platform_ranges(settings)]


def tenant_ranges(file: str, fields: Mapping[str, object]) -> list[Owned]:
    """The ranges one tenant file claims (only the fields that hold a valid network)."""
    owned = []
    for kind in RANGE_KINDS:
        value = fields.get(RANGE_FIELDS[kind])
        if isinstance(value, str):
            try:
                owned.append(Owned(kind, net(value), file))
            except ValueError:
                continue
    return owned


@dataclass(frozen=True)
class RangeProblem:
    file: str
    field: str
    reason: str


def _describe(other: Owned, this_file: str) -> str:
    if other.owner is None:
        return f"{other.what} ({other.network})"
    if other.owner == this_file:
        return f"its own {RANGE_WORDS[other.what]} ({other.network})"
    return f"the {RANGE_WORDS[other.what]} of {other.owner} ({other.network})"


def range_problems(
    settings: EnvironmentSettings, claims: Iterable[tuple[str, Mapping[str, object]]]
) -> list[RangeProblem]:
    """Every enterprise range inside its pool of the address plan and overlapping nothing else:
    the platform, another tenant or another range of the same tenant."""
    plan = settings.address_plan
    env_file = f"Pulumi.{settings.environment}.yaml"
    platform = platform_ranges(settings)
    owned = [r for file, fields in claims for r in tenant_ranges(file, fields)]
    # Every range against every other: as integer spans (a registry of 10,000 tenants has a few
    # hundred ranges, and ipaddress's overlaps() cost seconds there).
    platform_spans = [(p, span(p.network)) for p in platform]
    owned_spans = [(o, span(o.network)) for o in owned]
    problems: list[RangeProblem] = []
    for item in owned:
        assert item.owner is not None
        this = span(item.network)
        field = RANGE_FIELDS[item.what]
        pool = plan.pool(item.what)
        if not item.network.subnet_of(net(pool.cidr)):
            problems.append(
                RangeProblem(
                    item.owner,
                    field,
                    f"{item.network} is outside the address plan's {item.what} pool {pool.cidr} "
                    f"(address_plan.{item.what} in {env_file})",
                )
            )
        clashes = [p for p, other in platform_spans if spans_overlap(this, other)]
        clashes += [o for o, other in owned_spans if o is not item and spans_overlap(this, other)]
        if clashes:
            problems.append(
                RangeProblem(
                    item.owner,
                    field,
                    f"{item.network} overlaps "
                    + "; ".join(_describe(c, item.owner) for c in clashes)
                    + (
                        f"; a free one: {free}" if (free := _suggest(settings, owned, item)) else ""
                    ),
                )
            )
    return problems


def _suggest(settings: EnvironmentSettings, owned: list[Owned], item: Owned) -> str | None:
    taken = [o.network for o in owned if o is not item]
    found = first_free(settings, item.what, taken, item.network.prefixlen)
    return str(found) if found else None


def first_free(
    settings: EnvironmentSettings, kind: str, taken: Iterable[Net], prefix: int | None = None
) -> Net | None:
    """The first range of ``kind``'s pool (at the pool's prefix unless given) that overlaps
    neither the platform nor anything in ``taken``."""
    pool = settings.address_plan.pool(kind)
    prefix = pool.prefix if prefix is None else prefix
    pool_net = net(pool.cidr)
    if prefix < pool_net.prefixlen:
        return None
    used = sorted(
        [r.network for r in platform_ranges(settings)] + list(taken),
        key=lambda n: (int(n.network_address), n.prefixlen),
    )
    used = [u for u in used if u.overlaps(pool_net)]
    # Walk the pool aligned to the prefix, jumping past whatever a candidate hits.
    size = 2 ** (32 - prefix)
    start, end = int(pool_net.network_address), int(pool_net.broadcast_address)
    address = start
    while address + size - 1 <= end:
        candidate = ipaddress.IPv4Network((address, prefix))
        hit = next((u for u in used if u.overlaps(candidate)), None)
        if hit is None:
            return candidate
        after = int(hit.broadcast_address) + 1
        address = max(address + size, (after + size - 1) // size * size)
    return None


def allocate(settings: EnvironmentSettings, taken: Iterable[Net]) -> dict[str, str] | None:
    """One free range of every kind for a new enterprise tenant (tenant-file field -> CIDR), or
    None when a pool is full. ``taken``: every range the other tenants hold."""
    used = list(taken)
    chosen: dict[str, str] = {}
    for kind in RANGE_KINDS:
        found = first_free(settings, kind, used)
        if found is None:
            return None
        used.append(found)
        chosen[RANGE_FIELDS[kind]] = str(found)
    return chosen


def registry_ranges(tenants: Iterable[object]) -> list[Net]:
    """Every range the enterprise tenants of a loaded registry hold."""
    result = []
    for tenant in tenants:
        for field in RANGE_FIELDS.values():
            value = getattr(tenant, field, None)
            if isinstance(value, str):
                result.append(net(value))
    return result


def opening_problems(
    settings: EnvironmentSettings,
    claims: Iterable[tuple[str, Mapping[str, object], list[tuple[str, str]]]],
) -> list[RangeProblem]:
    """No tenant rule opens (firewall sources, NetworkPolicy peers) or routes to (VPN remote
    ranges) another tenant's ranges or the platform's; a VPN's remote ranges also stay clear of
    the tenant's own (BGP would not reach them). ``claims``: (file, fields, opened ranges)."""
    claims = list(claims)
    platform = platform_ranges(settings)
    owned = [r for file, fields, _ in claims for r in tenant_ranges(file, fields)]
    problems: list[RangeProblem] = []
    for file, _, opened in claims:
        for path, cidr in opened:
            try:
                network = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError:
                continue  # the model reports it
            if network.prefixlen == 0:
                continue  # the model refuses /0 itself
            own_too = path.endswith("remote_ranges")
            clashes = [p for p in platform if network.overlaps(p.network)]
            clashes += [
                o for o in owned if network.overlaps(o.network) and (o.owner != file or own_too)
            ]
            if clashes:
                reason = (
                    "the tenant's network behind the VPN must not overlap "
                    if own_too
                    else "a tenant rule may open only the tenant's own networks, not "
                )
                problems.append(
                    RangeProblem(
                        file,
                        path,
                        f"{cidr}: {reason}" + "; ".join(_describe(c, file) for c in clashes),
                    )
                )
    return problems
