"""NamespaceTenant: one standard tenant in namespace tenant-<id> on the shared cluster it is
placed on, with its own databases, bucket, identity, subdomain and Temporal namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.gke_cluster import kubeconfig
from components.blocks.tenant_services import TenantServices
from components.conventions import Ownership, child
from components.tiers.paying import tenant_services_args
from domain import names
from domain.environment import EnvironmentSettings
from domain.registry import StandardTenant


@dataclass
class NamespaceTenantArgs:
    settings: EnvironmentSettings
    tenant: StandardTenant
    platform: pulumi.StackReference  # outputs of the platform stack (SharedPool)


class NamespaceTenant(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: NamespaceTenantArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:tiers:NamespaceTenant", name, {}, opts)
        s, tenant = args.settings, args.tenant
        own = Ownership.for_tenant(s.environment, tenant)
        host = names.subdomain_host(tenant.host_label, s.app_domain)

        gcp_provider = gcp.Provider(
            f"{tenant.id}-gcp", project=s.project, region=tenant.region, opts=child(self)
        )
        cluster = args.platform.require_output("clusters").apply(
            lambda clusters: clusters[tenant.placement]
        )
        k8s_provider = k8s.Provider(
            f"{tenant.id}-k8s",
            kubeconfig=kubeconfig(cluster["name"], cluster["endpoint"]),
            enable_server_side_apply=True,
            opts=child(self),
        )
        self.services = TenantServices(
            f"{tenant.id}-services",
            tenant_services_args(
                s,
                tenant,
                own,
                project=s.project,
                gcp_provider=gcp_provider,
                identity_tenant_name=args.platform.require_output("identity_tenants").apply(
                    lambda identities: identities[tenant.id]
                ),
                k8s_provider=k8s_provider,
                network=args.platform.require_output("network_id"),
                private_services_cidr=args.platform.require_output("private_services_cidr"),
                hosts=[host],
                cmek=tenant.cmek,
                notification_channels=args.platform.require_output("notification_channels"),
                api_server_cidrs=[
                    next(c for c in s.clusters if c.name == tenant.placement).master_ipv4_cidr
                ],
            ),
            child(self),
        )
        # A record of its own so tenants on any pool cell resolve to their cluster's ingress.
        gcp.dns.RecordSet(
            f"{tenant.id}-host",
            name=f"{host}.",
            type="A",
            ttl=300,
            managed_zone=args.platform.require_output("dns_zone"),
            project=s.project,
            rrdatas=[cluster["ingress_ip"]],
            opts=child(self, gcp_provider),
        )
        self.outputs = {**self.services.outputs, "host": host, "placement": tenant.placement}
        self.register_outputs(self.outputs)

    def stack_outputs(self) -> dict[str, Any]:
        return dict(self.outputs)
