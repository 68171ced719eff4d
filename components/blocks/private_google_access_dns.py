"""The private DNS that makes restricted egress to Google APIs work: *.googleapis.com resolves to
private.googleapis.com (199.36.153.8/30) inside one VPC, the only range the tenant
NetworkPolicies open for Google APIs.

Source: https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain
(domain.provider_facts holds the values).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child
from domain.provider_facts import (
    GOOGLEAPIS_WILDCARD,
    GOOGLEAPIS_ZONE,
    PRIVATE_GOOGLE_APIS_IPS,
    PRIVATE_GOOGLEAPIS_HOST,
)


@dataclass
class PrivateGoogleAccessDnsArgs:
    zone_name: str
    project: pulumi.Input[str]
    network: pulumi.Input[str]  # the VPC's id or self link
    ownership: Ownership
    depends_on: list[pulumi.Resource] | None = None  # e.g. the DNS API of a new project


class PrivateGoogleAccessDns(pulumi.ComponentResource):
    zone: gcp.dns.ManagedZone

    def __init__(
        self,
        name: str,
        args: PrivateGoogleAccessDnsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("tenancy:blocks:PrivateGoogleAccessDns", name, None, opts)
        self.zone = gcp.dns.ManagedZone(
            f"{name}-zone",
            name=args.zone_name,
            dns_name=GOOGLEAPIS_ZONE,
            project=args.project,
            visibility="private",
            description="Google APIs through private.googleapis.com (Private Google Access)",
            private_visibility_config=gcp.dns.ManagedZonePrivateVisibilityConfigArgs(
                networks=[
                    gcp.dns.ManagedZonePrivateVisibilityConfigNetworkArgs(network_url=args.network)
                ]
            ),
            labels=args.ownership.gcp_labels(),
            opts=child(self, depends_on=args.depends_on or []),
        )
        gcp.dns.RecordSet(
            f"{name}-private",
            name=PRIVATE_GOOGLEAPIS_HOST,
            type="A",
            ttl=300,
            managed_zone=self.zone.name,
            project=args.project,
            rrdatas=list(PRIVATE_GOOGLE_APIS_IPS),
            opts=child(self),
        )
        gcp.dns.RecordSet(
            f"{name}-wildcard",
            name=GOOGLEAPIS_WILDCARD,
            type="CNAME",
            ttl=300,
            managed_zone=self.zone.name,
            project=args.project,
            rrdatas=[PRIVATE_GOOGLEAPIS_HOST],
            opts=child(self),
        )
        self.register_outputs({"zone": self.zone.name})
