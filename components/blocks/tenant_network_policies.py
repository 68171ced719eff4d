"""The tenant's own NetworkPolicies in its namespace, beside the baseline's default deny: each
lets selected pods be reached from (ingress) or reach (egress) IP ranges on given ports.

Peers are ipBlocks only (no namespaceSelector), so no tenant policy opens another namespace."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.conventions import K8sObject, Ownership, child

# Baseline policies are named default-deny-all, allow-*; tenant ones tenant-<name>.
PREFIX = "tenant-"


@dataclass
class PolicyPortSpec:
    protocol: str
    port: int


@dataclass
class IpPolicy:
    name: str
    pod_selector: dict[str, str]
    ports: list[PolicyPortSpec]
    ingress_from: list[str] = field(default_factory=list)
    egress_to: list[str] = field(default_factory=list)


@dataclass
class TenantNetworkPoliciesArgs:
    namespace: pulumi.Input[str]
    policies: list[IpPolicy]
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource


def policy_spec(policy: IpPolicy) -> K8sObject:
    ports = [{"protocol": p.protocol, "port": p.port} for p in policy.ports]
    spec: dict = {"podSelector": {"matchLabels": dict(policy.pod_selector)}, "policyTypes": []}
    if policy.ingress_from:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = [
            {"from": [{"ipBlock": {"cidr": c}} for c in policy.ingress_from], "ports": ports}
        ]
    if policy.egress_to:
        spec["policyTypes"].append("Egress")
        spec["egress"] = [
            {"to": [{"ipBlock": {"cidr": c}} for c in policy.egress_to], "ports": ports}
        ]
    return spec


class TenantNetworkPolicies(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: TenantNetworkPoliciesArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("tenancy:blocks:TenantNetworkPolicies", name, {}, opts)
        for policy in args.policies:
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy.name}",
                metadata=args.ownership.k8s_meta(PREFIX + policy.name, args.namespace),
                spec=policy_spec(policy),
                opts=child(self, provider=args.k8s_provider),
            )
        self.register_outputs({"policies": [PREFIX + p.name for p in args.policies]})
