"""What the platform stack exports, computed without running it.

A tenant-only plan needs the platform stack's outputs for its StackReference. Running the
whole platform program for them would cost seconds of imports, so this computes the same
values from the settings with the same mock rules. ``tests/test_plan_engine.py`` proves they
equal the real platform run's outputs, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from domain import names
from domain.environment import EnvironmentSettings
from domain.lifecycle import identity_resource_name
from domain.registry import TenantBase
from tenancy.plan.mocks import computed_outputs


def offline_platform_outputs(
    settings: EnvironmentSettings, tenants: Iterable[TenantBase] = ()
) -> dict[str, Any]:
    """The platform stack's outputs; ``tenants``: the registry's (their identities live there)."""
    s = settings
    env = s.environment

    def computed(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return computed_outputs(MockResourceArgs(typ, name, inputs), s)

    network = computed(
        "gcp:compute/network:Network",
        f"{env}-network-vpc",
        {"name": names.platform_network(env), "project": s.project},
    )
    psa = computed(
        "gcp:compute/globalAddress:GlobalAddress",
        f"{env}-network-psa-range",
        {"purpose": "VPC_PEERING"},
    )
    clusters = {}
    for pool in s.clusters:
        cluster = computed(
            "gcp:container/cluster:Cluster",
            f"{env}-{pool.name}-cluster",
            {
                "name": names.pool_cluster(env, pool.name),
                "project": s.project,
                "location": pool.region,
                "controlPlaneEndpointsConfig": {
                    "dnsEndpointConfig": {"allowExternalTraffic": True}
                },
            },
        )
        address = computed("gcp:compute/address:Address", f"{env}-{pool.name}-ingress-ip", {})
        clusters[pool.name] = {
            "name": names.pool_cluster(env, pool.name),
            "location": pool.region,
            "endpoint": cluster["controlPlaneEndpointsConfig"]["dnsEndpointConfig"]["endpoint"],
            "ingress_ip": address["address"],
            "capacity": pool.capacity,
        }
    temporal = computed(
        "temporalcloud:index/namespace:Namespace",
        "free-tier-temporal-namespace",
        {"name": names.shared_temporal_namespace(env)},
    )
    return {
        "environment": env,
        "project": s.project,
        "network": network["selfLink"],
        "network_id": network["id"],
        "private_services_cidr": f"{psa['address']}/16",
        "clusters": clusters,
        "dns_zone": names.app_dns_zone(env),
        "app_domain": s.app_domain,
        "notification_channels": [
            f"projects/{s.project}/notificationChannels/{env}-oncall-{c.name}"
            for c in s.notifications
        ],
        "shared_temporal_namespace": temporal["id"]
        if s.temporal.backend == "cloud"
        else names.shared_temporal_namespace(env),
        "identity_tenants": {
            t.id: computed(
                "gcp:identityplatform/tenant:Tenant",
                identity_resource_name(t.id),
                {"displayName": names.identity_platform_display_name(t.id), "project": s.project},
            )["name"]
            for t in sorted(tenants, key=lambda t: t.id)
        },
    }
