"""The tenant's own firewall rules on its dedicated VPC: ingress allows from the tenant's
networks, between the platform's allow-internal rule (priority 1000) and its deny-all (65000).

The rules come validated from the tenant file (domain.registry.options: no /0, no public source
to a database or kubelet port, nothing that opens another tenant's or the platform's ranges)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.conventions import child

# After the platform's own allows, before its final deny (components/blocks/network.py).
TENANT_RULE_PRIORITY = 2000


@dataclass
class FirewallAllow:
    name: str
    sources: list[str]
    protocol: str
    ports: list[str]
    description: str | None = None


@dataclass
class TenantFirewallArgs:
    vpc_name: str  # the rules are named <vpc>-tenant-<rule>
    project: pulumi.Input[str]
    network: pulumi.Input[str]
    rules: list[FirewallAllow]


class TenantFirewall(pulumi.ComponentResource):
    rules: list[gcp.compute.Firewall]

    def __init__(
        self, name: str, args: TenantFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantFirewall", name, {}, opts)
        self.rules = [
            gcp.compute.Firewall(
                f"{name}-{rule.name}",
                name=f"{args.vpc_name}-tenant-{rule.name}",
                project=args.project,
                network=args.network,
                description=rule.description or f"tenant rule {rule.name}",
                direction="INGRESS",
                priority=TENANT_RULE_PRIORITY,
                source_ranges=list(rule.sources),
                allows=[
                    gcp.compute.FirewallAllowArgs(
                        protocol=rule.protocol, ports=list(rule.ports) or None
                    )
                ],
                log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
                opts=child(self),
            )
            for rule in args.rules
        ]
        self.register_outputs({"rules": [r.name for r in self.rules]})
