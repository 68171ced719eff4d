"""IP ranges the platform uses, and the checks every tenant network must pass.

Pure data and ``ipaddress``; the dedicated cluster component takes its fixed ranges from here so
the registry can refuse a tenant subnet that collides with them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.environment import EnvironmentSettings

# RFC 1918 private address space.
PRIVATE_RANGES = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)

# Fixed secondary and control-plane ranges of every enterprise tenant's dedicated VPC.
DEDICATED_PODS_CIDR = "10.128.0.0/14"
DEDICATED_SERVICES_CIDR = "10.132.0.0/20"
DEDICATED_MASTER_CIDR = "172.16.32.0/28"


def reserved_ranges(settings: EnvironmentSettings) -> list[tuple[str, ipaddress.IPv4Network]]:
    """(what, network) for every range a tenant's node subnet must not overlap."""
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
        ("the dedicated clusters' pods range", DEDICATED_PODS_CIDR),
        ("the dedicated clusters' services range", DEDICATED_SERVICES_CIDR),
        ("the dedicated clusters' control plane", DEDICATED_MASTER_CIDR),
    ]
    return [(what, ipaddress.IPv4Network(cidr, strict=False)) for what, cidr in ranges]


def first_free_network(
    settings: EnvironmentSettings, taken: list[str], prefix: int = 20
) -> str | None:
    """The first /prefix in 10.0.0.0/8 that overlaps neither the platform's ranges nor ``taken``
    (onboarding gives each enterprise tenant its own node subnet)."""
    used = [network for _, network in reserved_ranges(settings)]
    used += [ipaddress.IPv4Network(cidr, strict=False) for cidr in taken]
    for candidate in PRIVATE_RANGES[0].subnets(new_prefix=prefix):
        if not any(candidate.overlaps(network) for network in used):
            return str(candidate)
    return None
