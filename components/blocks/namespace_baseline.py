"""A namespace with Pod Security 'restricted', a ResourceQuota, a LimitRange and default-deny
NetworkPolicies with explicit allows (DNS, the ingress controller, databases, Google APIs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.network import GOOGLE_APIS_CIDR
from components.conventions import PSS_LEVEL, PSS_VERSION, Ownership, child
from domain.tiers import NamespaceQuota

INGRESS_NAMESPACE = "ingress-nginx"
GKE_METADATA_CIDR = "169.254.169.252/32"  # the GKE metadata server answers Workload Identity
TEMPORAL_PORT = 7233
SELF_HOSTED_TEMPORAL_NAMESPACE = "temporal"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")


@dataclass
class NamespaceBaselineArgs:
    namespace: str
    ownership: Ownership
    quota: NamespaceQuota
    k8s_provider: pulumi.ProviderResource | None
    database_cidrs: list[pulumi.Input[str]] = field(
        default_factory=list
    )  # private service access ranges
    allow_from_ingress: bool = True
    allow_temporal: bool = True  # workers reach their Temporal frontend


class NamespaceBaseline(pulumi.ComponentResource):
    namespace: k8s.core.v1.Namespace
    name: pulumi.Output[str]

    def __init__(
        self, name: str, args: NamespaceBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:NamespaceBaseline", name, {}, opts)
        own, ns = args.ownership, args.namespace
        pss = {
            f"pod-security.kubernetes.io/{mode}": PSS_LEVEL for mode in ("enforce", "audit", "warn")
        }
        pss |= {
            f"pod-security.kubernetes.io/{mode}-version": PSS_VERSION
            for mode in ("enforce", "audit", "warn")
        }
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=own.k8s_meta(ns, labels=pss),
            opts=child(self, provider=args.k8s_provider),
        )
        self.name = self.namespace.metadata.name
        opts_ns = child(self, provider=args.k8s_provider, depends_on=[self.namespace])

        q = args.quota
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=own.k8s_meta("tenant-quota", self.name),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(
                hard={
                    "requests.cpu": q.cpu,
                    "limits.cpu": str(int(q.cpu) * 2),
                    "requests.memory": q.memory,
                    "limits.memory": _double(q.memory),
                    "pods": str(q.pods),
                    "persistentvolumeclaims": str(q.pvcs),
                    "services": str(q.services),
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                }
            ),
            opts=opts_ns,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=own.k8s_meta("tenant-limits", self.name),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default={"cpu": "500m", "memory": "512Mi"},
                        default_request={"cpu": "100m", "memory": "128Mi"},
                        max={"cpu": "4", "memory": "8Gi"},
                    ),
                    k8s.core.v1.LimitRangeItemArgs(
                        type="PersistentVolumeClaim", max={"storage": "500Gi"}
                    ),
                ]
            ),
            opts=opts_ns,
        )

        def policy(key: str, spec: Any) -> None:  # a NetworkPolicySpecArgs as its dict form
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{key}", metadata=own.k8s_meta(key, self.name), spec=spec, opts=opts_ns
            )

        policy("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
        policy(
            "allow-dns",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                    }
                ],
            },
        )
        policy(
            "allow-same-namespace",
            {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
                "egress": [{"to": [{"podSelector": {}}]}],
            },
        )
        if args.allow_from_ingress:
            policy(
                "allow-from-ingress",
                {
                    "podSelector": {},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {NAMESPACE_NAME_LABEL: INGRESS_NAMESPACE}
                                    }
                                }
                            ]
                        }
                    ],
                },
            )
        if args.database_cidrs:
            policy(
                "allow-databases",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [{"ipBlock": {"cidr": cidr}} for cidr in args.database_cidrs],
                            "ports": [
                                {"protocol": "TCP", "port": 5432},
                                {"protocol": "TCP", "port": 3307},
                            ],
                        }
                    ],
                },
            )
        policy(
            "allow-google-apis",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": GOOGLE_APIS_CIDR}}],
                        "ports": [{"protocol": "TCP", "port": 443}],
                    },
                    {
                        "to": [{"ipBlock": {"cidr": GKE_METADATA_CIDR}}],
                        "ports": [
                            {"protocol": "TCP", "port": 80},
                            {"protocol": "TCP", "port": 988},
                        ],
                    },
                ],
            },
        )
        if args.allow_temporal:
            # Temporal Cloud's public endpoint, or a self-hosted frontend in the `temporal`
            # namespace.
            policy(
                "allow-temporal",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}},
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {
                                            NAMESPACE_NAME_LABEL: SELF_HOSTED_TEMPORAL_NAMESPACE
                                        }
                                    }
                                },
                            ],
                            "ports": [{"protocol": "TCP", "port": TEMPORAL_PORT}],
                        }
                    ],
                },
            )
        self.register_outputs({"namespace": self.name})


def _double(quantity: str) -> str:
    number = "".join(ch for ch in quantity if ch.isdigit())
    return f"{int(number) * 2}{quantity[len(number) :]}"
