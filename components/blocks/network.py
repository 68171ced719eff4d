"""VPC with a GKE subnet, private service access for Cloud SQL, Cloud NAT and a baseline
firewall."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child

PODS_RANGE = "pods"
SERVICES_RANGE = "services"


@dataclass
class NetworkArgs:
    name: str
    project: pulumi.Input[str]
    region: str
    subnet_cidr: str
    pods_cidr: str
    services_cidr: str
    ownership: Ownership
    private_services_prefix_length: int = 16
    peer_network: str | None = None  # self link of a tenant network to peer with
    export_custom_routes: bool = False
    master_cidrs: list[str] = field(
        default_factory=list
    )  # control planes that call webhooks on nodes


class Network(pulumi.ComponentResource):
    network: gcp.compute.Network
    subnetwork: gcp.compute.Subnetwork
    private_services_range: gcp.compute.GlobalAddress
    private_services: gcp.servicenetworking.Connection
    private_services_cidr: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:Network", name, {}, opts)
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            name=args.name,
            project=args.project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            delete_default_routes_on_create=False,
            opts=child(self),
        )
        self.subnetwork = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{args.name}-{args.region}",
            project=args.project,
            region=args.region,
            network=self.network.id,
            ip_cidr_range=args.subnet_cidr,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=PODS_RANGE, ip_cidr_range=args.pods_cidr
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=SERVICES_RANGE, ip_cidr_range=args.services_cidr
                ),
            ],
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_5_SEC",
                flow_sampling=0.5,
                metadata="INCLUDE_ALL_METADATA",
            ),
            opts=child(self),
        )
        # Private service access: Cloud SQL gets private IPs only.
        self.private_services_range = gcp.compute.GlobalAddress(
            f"{name}-psa-range",
            name=f"{args.name}-psa",
            project=args.project,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            prefix_length=args.private_services_prefix_length,
            network=self.network.id,
            labels=args.ownership.gcp_labels(),
            opts=child(self),
        )
        # The range Cloud SQL's private IPs come from: NetworkPolicies allow egress to it.
        self.private_services_cidr = pulumi.Output.concat(
            self.private_services_range.address,
            "/",
            self.private_services_range.prefix_length.apply(str),
        )
        self.private_services = gcp.servicenetworking.Connection(
            f"{name}-psa",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[self.private_services_range.name],
            opts=child(self),
        )
        router = gcp.compute.Router(
            f"{name}-router",
            name=f"{args.name}-router",
            project=args.project,
            region=args.region,
            network=self.network.id,
            opts=child(self),
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{args.name}-nat",
            project=args.project,
            region=args.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child(self),
        )
        gcp.compute.Firewall(
            f"{name}-allow-internal",
            name=f"{args.name}-allow-internal",
            project=args.project,
            network=self.network.id,
            direction="INGRESS",
            priority=1000,
            source_ranges=[args.subnet_cidr, args.pods_cidr, args.services_cidr],
            allows=[
                gcp.compute.FirewallAllowArgs(protocol="tcp"),
                gcp.compute.FirewallAllowArgs(protocol="udp"),
                gcp.compute.FirewallAllowArgs(protocol="icmp"),
            ],
            log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            opts=child(self),
        )
        if args.master_cidrs:
            gcp.compute.Firewall(
                f"{name}-allow-webhooks",
                name=f"{args.name}-allow-webhooks",
                project=args.project,
                network=self.network.id,
                direction="INGRESS",
                priority=1000,
                source_ranges=list(args.master_cidrs),
                allows=[
                    gcp.compute.FirewallAllowArgs(protocol="tcp", ports=["443", "8443", "10250"])
                ],
                log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
                opts=child(self),
            )
        gcp.compute.Firewall(
            f"{name}-deny-ingress",
            name=f"{args.name}-deny-ingress",
            project=args.project,
            network=self.network.id,
            direction="INGRESS",
            priority=65000,
            source_ranges=["0.0.0.0/0"],
            denies=[gcp.compute.FirewallDenyArgs(protocol="all")],
            log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            opts=child(self),
        )
        if args.peer_network:
            # One peering operation at a time per VPC: the service networking connection is a
            # peering too, and the provider does not serialise the two ("There is a peering
            # operation in progress"). The tenant's side stays INACTIVE until it peers back.
            self.peering = gcp.compute.NetworkPeering(
                f"{name}-peering",
                name=f"{args.name}-to-tenant",
                network=self.network.self_link,
                peer_network=args.peer_network,
                export_custom_routes=args.export_custom_routes,
                import_custom_routes=False,
                opts=child(self, depends_on=[self.private_services]),
            )
        self.register_outputs(
            {"network": self.network.self_link, "subnetwork": self.subnetwork.self_link}
        )
