"""An HA VPN from a tenant's VPC to the tenant's own network: the HA VPN gateway (two interfaces,
two Google-chosen public addresses), the tenant's gateway as an external VPN gateway, a Cloud
Router speaking BGP, and two tunnels (four with four peer addresses), each with its BGP session.

The IKE shared secret is read from Secret Manager at deployment and passed as a Pulumi secret: it
never appears in a tenant file, an output, a log or the offline plan (the plan masks secrets).
Facts from terraform-provider-google (hashicorp/terraform-provider-google@e03b7622,
google/services/compute): external gateway redundancy types SINGLE_IP_INTERNALLY_REDUNDANT,
TWO_IPS_REDUNDANCY, FOUR_IPS_REDUNDANCY (resource_compute_external_vpn_gateway.go L228-233); the
router ASN must be RFC 6996 private (resource_compute_router.go L182-190); ``shared_secret`` is
Sensitive and ForceNew (resource_compute_vpn_tunnel.go L476-484): changing it replaces the
tunnel."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child

# BGP sessions use link-local /30s, one per tunnel: ours is .1, the tenant's .2.
BGP_BLOCK = "169.254.10.{}"


def _interface_ip(interfaces: list[Any] | None, index: int) -> str | None:
    return interfaces[index].ip_address if interfaces else None


@dataclass
class HaVpnArgs:
    vpc_name: str
    project: pulumi.Input[str]
    region: str
    network: pulumi.Input[str]
    peer_gateway_ips: list[str]
    redundancy_type: str
    peer_asn: int
    router_asn: int
    shared_secret_id: str  # Secret Manager secret id in ``project``
    ownership: Ownership
    # Ranges the router announces besides the VPC's subnets (e.g. the private services range,
    # so the tenant reaches its Cloud SQL instances).
    advertised_ranges: list[pulumi.Input[str]] = field(default_factory=list)
    # The private services connection (Cloud SQL): export our custom routes over it, so Cloud
    # SQL's network learns the way back to the tenant's network (VPC peering exchanges custom
    # routes only when exported: google_compute_network_peering_routes_config).
    export_routes_to: gcp.servicenetworking.Connection | None = None


def tunnel_layout(peers: int) -> list[tuple[int, int]]:
    """(our interface, peer interface) per tunnel, as Google's HA VPN topologies pair them."""
    if peers == 4:
        return [(0, 0), (0, 1), (1, 2), (1, 3)]
    if peers == 2:
        return [(0, 0), (1, 1)]
    return [(0, 0), (1, 0)]


def bgp_addresses(tunnel: int) -> tuple[str, str, str]:
    """(our interface range, our address, the tenant's address) of one tunnel's BGP session."""
    base = 4 * tunnel
    return (
        BGP_BLOCK.format(base + 1) + "/30",
        BGP_BLOCK.format(base + 1),
        BGP_BLOCK.format(base + 2),
    )


class HaVpn(pulumi.ComponentResource):
    gateway: gcp.compute.HaVpnGateway
    tenant_half: dict[str, Any]

    def __init__(self, name: str, args: HaVpnArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:HaVpn", name, {}, opts)
        own = args.ownership
        self.gateway = gcp.compute.HaVpnGateway(
            f"{name}-gateway",
            name=f"{args.vpc_name}-vpn",
            project=args.project,
            region=args.region,
            network=args.network,
            opts=child(self),
        )
        peer = gcp.compute.ExternalVpnGateway(
            f"{name}-peer",
            name=f"{args.vpc_name}-peer",
            project=args.project,
            redundancy_type=args.redundancy_type,
            interfaces=[
                gcp.compute.ExternalVpnGatewayInterfaceArgs(id=i, ip_address=ip)
                for i, ip in enumerate(args.peer_gateway_ips)
            ],
            labels=own.gcp_labels(),
            opts=child(self),
        )
        router = gcp.compute.Router(
            f"{name}-router",
            name=f"{args.vpc_name}-vpn-router",
            project=args.project,
            region=args.region,
            network=args.network,
            bgp=gcp.compute.RouterBgpArgs(
                asn=args.router_asn,
                advertise_mode="CUSTOM",
                advertised_groups=["ALL_SUBNETS"],
                advertised_ip_ranges=[
                    gcp.compute.RouterBgpAdvertisedIpRangeArgs(range=r)
                    for r in args.advertised_ranges
                ],
            ),
            opts=child(self),
        )
        secret = gcp.secretmanager.get_secret_version_output(
            secret=args.shared_secret_id,
            project=args.project,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        secret_data: pulumi.Output[str] = secret.apply(lambda s: s.secret_data)
        shared_secret: pulumi.Output[str] = pulumi.Output.secret(secret_data)
        sessions = []
        for index, (ours, theirs) in enumerate(tunnel_layout(len(args.peer_gateway_ips))):
            tunnel = gcp.compute.VPNTunnel(
                f"{name}-tunnel-{index}",
                name=f"{args.vpc_name}-tunnel-{index}",
                project=args.project,
                region=args.region,
                vpn_gateway=self.gateway.id,
                vpn_gateway_interface=ours,
                peer_external_gateway=peer.id,
                peer_external_gateway_interface=theirs,
                shared_secret=shared_secret,
                router=router.id,
                ike_version=2,
                labels=own.gcp_labels(),
                opts=child(self),
            )
            ip_range, our_ip, their_ip = bgp_addresses(index)
            interface = gcp.compute.RouterInterface(
                f"{name}-if-{index}",
                name=f"{args.vpc_name}-if-{index}",
                project=args.project,
                region=args.region,
                router=router.name,
                ip_range=ip_range,
                vpn_tunnel=tunnel.name,
                opts=child(self),
            )
            gcp.compute.RouterPeer(
                f"{name}-bgp-{index}",
                name=f"{args.vpc_name}-bgp-{index}",
                project=args.project,
                region=args.region,
                router=router.name,
                interface=interface.name,
                ip_address=our_ip,
                peer_ip_address=their_ip,
                peer_asn=args.peer_asn,
                opts=child(self),
            )
            sessions.append(
                {
                    "tunnel": index,
                    # Chosen by Google when the gateway is created (unknown in a preview).
                    "google_gateway_ip": self.gateway.vpn_interfaces.apply(
                        functools.partial(_interface_ip, index=ours)
                    ),
                    "your_gateway_interface": theirs,
                    "google_bgp_ip": our_ip,
                    "your_bgp_ip": their_ip,
                    "bgp_range": f"{their_ip}/30",
                }
            )
        if args.export_routes_to is not None:
            gcp.compute.NetworkPeeringRoutesConfig(
                f"{name}-psa-routes",
                project=args.project,
                network=args.vpc_name,
                peering=args.export_routes_to.peering,
                export_custom_routes=True,
                import_custom_routes=False,
                opts=child(self),
            )
        # What the tenant configures on its side (the shared secret is theirs already): known
        # values stay readable in a preview, the gateway addresses follow on creation.
        self.tenant_half = {
            "google_asn": args.router_asn,
            "your_asn": args.peer_asn,
            "ike_version": 2,
            "shared_secret": f"the value of Secret Manager secret {args.shared_secret_id!r}",
            "tunnels": sessions,
        }
        self.register_outputs({"gateway": self.gateway.self_link})
