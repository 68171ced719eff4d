"""tenancy-forbid-network-openings: no firewall rule or NetworkPolicy opens the internet's
ingress or another tenant's ranges.

The plan-side twin of the registry's guardrail on tenant-file rules (domain.networks and
domain.registry.options): whatever produced a rule, an allow-INGRESS firewall rule never admits
0.0.0.0/0, a NetworkPolicy never admits an ipBlock of /0 into a tenant namespace, and nothing in a
tenant's stack opens (firewall sources, NetworkPolicy peers) a range that another enterprise
tenant or the platform holds (the platform's pods range hosts the standard tenants' pods).
Ranges held per tenant come from the registry (its address plan fields).

An unknown range is skipped: it is another resource's output (the private services range
Google picks inside the tenant's own VPC), never a tenant-file value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import Any

from domain.networks import RANGE_WORDS, Owned, net, platform_ranges, tenant_ranges
from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.networks import is_open_cidr
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.values import Undecided, get

NAME = "tenancy-forbid-network-openings"
FIREWALL = "gcp:compute/firewall:Firewall"
ANCHORS = (
    tenancy("seed-002-networking", "Tenant-managed firewall rules and network policies"),
    mtb("MTB-PL1-BC-NI-1", "Default deny network connections across tenants", related=True),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)


def _known(node: Any, path: str | list[int]) -> Any:
    try:
        return get(node, path)
    except Undecided:
        return None


def _list(node: Any, path: str) -> list[Any]:
    value = _known(node, path)
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []  # absent, or an unknown list (engine proxies are Sequences)
    found = (_known(value, [index]) for index in range(len(value)))
    return [v for v in found if v is not None]


def _network(cidr: Any) -> ipaddress.IPv4Network | None:
    if not isinstance(cidr, str):
        return None
    try:
        return net(cidr)
    except ValueError:
        return None


def firewall_sources(rule: Subject) -> list[str]:
    """The source ranges of an allow-INGRESS rule (none for deny or egress rules)."""
    direction = _known(rule.props, "direction") or "INGRESS"
    if direction != "INGRESS" or not _list(rule.props, "allows"):
        return []
    return [c for c in _list(rule.props, "sourceRanges") if isinstance(c, str)]


def policy_blocks(policy: Subject) -> Iterator[tuple[str, str, list[str]]]:
    """(direction, cidr, except) of every ipBlock peer of a NetworkPolicy."""
    for direction, rules, peers in (
        ("ingress", "spec.ingress", "from"),
        ("egress", "spec.egress", "to"),
    ):
        for rule in _list(policy.props, rules):
            for peer in _list(rule, peers):
                block = _known(peer, "ipBlock")
                cidr = _known(block, "cidr") if block is not None else None
                if isinstance(cidr, str):
                    excepts = [e for e in _list(block, "except") if isinstance(e, str)]
                    yield direction, cidr, excepts


def held_ranges(view: StackView) -> list[Owned]:
    """Every range another party holds: the platform's and each enterprise tenant's (derived
    from the facts once, not per stack)."""
    facts = view.facts
    settings = facts.require_settings()
    registry = facts.require_registry()
    return facts.derived("held_ranges", lambda: _held_ranges(settings, registry))


def _held_ranges(settings: Any, registry: Any) -> list[Owned]:
    # The platform's subnet, pods and services ranges hold the shared pool's tenants; its
    # control planes and the operators' networks are reached by design (webhooks, kubectl Jobs)
    # and guarded by master authorized networks.
    held = [r for r in platform_ranges(settings) if r.what.startswith("the platform ")]
    for tenant in registry.tenants:
        held += tenant_ranges(tenant.id, tenant.model_dump())
    return held


def _opens(
    network: ipaddress.IPv4Network, carved: list[ipaddress.IPv4Network], held: Owned
) -> bool:
    if not network.overlaps(held.network):
        return False
    return not any(held.network.subnet_of(c) for c in carved)


def _whose(held: Owned) -> str:
    return held.what if held.owner is None else f"tenant {held.owner!r}'s {RANGE_WORDS[held.what]}"


def check(view: StackView, report: Report, config: Config) -> None:
    held = held_ranges(view)
    for subject in view.subjects:
        if subject.type not in (FIREWALL, kinds.NETWORK_POLICY):
            continue
        with report.deciding(subject.label, subject.urn):
            owner = subject.owner()
            openings: list[tuple[str, str, list[str]]] = []
            if subject.type == FIREWALL:
                for cidr in firewall_sources(subject):
                    if is_open_cidr(cidr):
                        report.violation(
                            f"{subject.label}: allows ingress from {cidr} (the whole internet)",
                            subject.urn,
                        )
                    openings.append(("ingress", cidr, []))
            else:
                namespace = str(_known(subject.props, "metadata.namespace") or "")
                for direction, cidr, excepts in policy_blocks(subject):
                    tenant_ns = namespace.startswith(kinds.TENANT_NAMESPACE_PREFIX)
                    if direction == "ingress" and is_open_cidr(cidr) and tenant_ns:
                        report.violation(
                            f"{subject.label} in namespace {namespace!r}: admits ingress from "
                            f"{cidr} (the whole internet)",
                            subject.urn,
                        )
                    openings.append((direction, cidr, excepts))
            if owner == SHARED:
                continue
            for direction, cidr, excepts in openings:
                network = _network(cidr)
                if network is None or (network.prefixlen == 0 and direction == "ingress"):
                    continue  # ingress from /0 is reported above, once
                carved = [n for n in (_network(e) for e in excepts) if n is not None]
                for other in held:
                    if other.owner == owner:
                        continue
                    if _opens(network, carved, other):
                        report.violation(
                            f"{subject.label} of tenant {owner!r}: {direction} {cidr} opens "
                            f"{_whose(other)} ({other.network})",
                            subject.urn,
                        )


POLICY = stack_policy(
    name=NAME,
    description="No allow-ingress firewall rule admits 0.0.0.0/0, no NetworkPolicy admits a /0 "
    "ipBlock into a tenant namespace, and no tenant's firewall rule or NetworkPolicy opens a "
    "range another tenant or the platform holds.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Open only the tenant's own networks (its VPN remote ranges, its offices); take "
    "ranges from the tenant file, which validation holds to the same rules.",
)
