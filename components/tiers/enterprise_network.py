"""What an enterprise tenant's `network:` section builds around its dedicated VPC and cluster:
its own firewall rules and NetworkPolicies, an HA VPN to its network, a private ingress, and the
half of each connection the tenant configures on its side (stack outputs).

The tier component calls ``build_connectivity`` once the VPC, cluster, public ingress and the
tenant's services exist; domain objects become flat block arguments here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.blocks.ha_vpn import HaVpn, HaVpnArgs
from components.blocks.network import Network
from components.blocks.private_ingress_controller import (
    PRIVATE_INGRESS_CLASS,
    PrivateIngressController,
    PrivateIngressControllerArgs,
)
from components.blocks.tenant_firewall import FirewallAllow, TenantFirewall, TenantFirewallArgs
from components.blocks.tenant_network_policies import (
    IpPolicy,
    PolicyPortSpec,
    TenantNetworkPolicies,
    TenantNetworkPoliciesArgs,
)
from components.conventions import Ownership, child
from domain.environment import EnvironmentSettings
from domain.registry import EnterpriseTenant
from domain.registry.options import DirectDbAccess


def direct_access(tenant: EnterpriseTenant) -> DirectDbAccess | None:
    access = getattr(tenant.databases, "direct_access", None)
    return access if isinstance(access, DirectDbAccess) else None


def private_ingress_class(tenant: EnterpriseTenant) -> str | None:
    network = tenant.network
    return (
        PRIVATE_INGRESS_CLASS
        if network is not None and network.ingress is not None and (network.ingress.private)
        else None
    )


@dataclass
class Connectivity:
    outputs: dict[str, Any]


def build_connectivity(
    parent: pulumi.ComponentResource,
    settings: EnvironmentSettings,
    tenant: EnterpriseTenant,
    own: Ownership,
    *,
    project_id: pulumi.Input[str],
    network: Network,
    namespace: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    on_gcp: pulumi.ResourceOptions,
    public_ingress: pulumi.Resource,
    direct_db_access: bool,
) -> Connectivity:
    tid, section = tenant.id, tenant.network
    vpc = f"{tid}-vpc"
    outputs: dict[str, Any] = {}
    if section is not None and section.firewall_rules:
        TenantFirewall(
            f"{tid}-tenant-firewall",
            TenantFirewallArgs(
                vpc_name=vpc,
                project=project_id,
                network=network.network.id,
                rules=[
                    FirewallAllow(r.name, list(r.sources), r.protocol, list(r.ports), r.description)
                    for r in section.firewall_rules
                ],
            ),
            on_gcp,
        )
    if section is not None and section.policies:
        TenantNetworkPolicies(
            f"{tid}-tenant-netpols",
            TenantNetworkPoliciesArgs(
                namespace=namespace,
                policies=[
                    IpPolicy(
                        p.name,
                        dict(p.pod_selector),
                        [PolicyPortSpec(port.protocol, port.port) for port in p.ports],
                        list(p.ingress_from),
                        list(p.egress_to),
                    )
                    for p in section.policies
                ],
                ownership=own,
                k8s_provider=k8s_provider,
            ),
            child(parent),
        )
    if section is not None and section.vpn is not None:
        vpn = section.vpn
        # Direct database access travels the VPN: announce the private services range (where
        # Cloud SQL's addresses are) and export the routes back to Cloud SQL's network.
        vpn_block = HaVpn(
            f"{tid}-vpn",
            HaVpnArgs(
                vpc_name=vpc,
                project=project_id,
                region=tenant.region,
                network=network.network.id,
                peer_gateway_ips=list(vpn.peer_gateway_ips),
                redundancy_type=vpn.redundancy,
                peer_asn=vpn.peer_asn,
                router_asn=vpn.router_asn,
                shared_secret_id=vpn.shared_secret,
                ownership=own,
                advertised_ranges=[network.private_services_cidr] if direct_db_access else [],
                export_routes_to=network.private_services if direct_db_access else None,
            ),
            on_gcp,
        )
        outputs["vpn_tenant_half"] = {
            **vpn_block.tenant_half,
            "your_networks": list(vpn.remote_ranges),
            "google_announces": [
                tenant.network_cidr,
                tenant.pods_cidr,
                tenant.services_cidr,
                *([network.private_services_cidr] if direct_db_access else []),
            ],
        }
    if private_ingress_class(tenant) is not None:
        private = PrivateIngressController(
            f"{tid}-private-ingress",
            PrivateIngressControllerArgs(
                address_name=f"{tid}-private-ingress",
                project=project_id,
                region=tenant.region,
                subnetwork=network.subnetwork.id,
                ingress_chart=settings.ingress_chart,
                ownership=own,
                k8s_provider=k8s_provider,
                depends_on=[public_ingress],
            ),
            on_gcp,
        )
        outputs["private_ingress_ip"] = private.address.address
    if tenant.vpc_peering is not None:
        peering = tenant.vpc_peering
        # The peering is one-sided until the tenant creates its half (docs/networking.md).
        outputs["peering_tenant_half"] = pulumi.Output.all(network.network.self_link).apply(
            lambda v: {
                "network": peering.network,
                "peer_network": v[0],
                "import_custom_routes": peering.export_custom_routes,
                "export_custom_routes": False,
                "our_ranges": [
                    tenant.network_cidr,
                    tenant.pods_cidr,
                    tenant.services_cidr,
                ],
                "command": (
                    f"gcloud compute networks peerings create {tid}-platform "
                    f"--network={peering.network.rsplit('/', 1)[1]} "
                    f"--project={peering.network.split('/')[1]} --peer-network={v[0]}"
                    + (" --import-custom-routes" if peering.export_custom_routes else "")
                ),
            }
        )
    outputs["private_services_range"] = network.private_services_cidr
    return Connectivity(outputs)
