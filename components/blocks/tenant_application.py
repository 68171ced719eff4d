"""The application chart for one tenant (or the shared free tier): tenant values go in through a
ConfigMap and a Secret; the chart comes from the environment config, at the enterprise tenant's
pinned version if it has one, with the Helm values it may set beneath the platform's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.conventions import (
    Ownership,
    child,
    restricted_container_security,
    restricted_pod_security,
)
from domain.environment import ChartRef


@dataclass
class TenantApplicationArgs:
    release_name: str
    namespace: pulumi.Input[str]
    service_account: str
    chart: ChartRef
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None
    config: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # plain settings
    secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # passwords, keys
    mode: str = "dedicated"  # "shared": the free-tier pool routes by tenant_id
    scaled_to_zero: bool = False  # suspended: no pod runs (no serving, no background work)
    # The tenant's own Helm values (enterprise, from the allowed keys); the platform's win.
    values: dict[str, Any] = field(default_factory=dict)


class TenantApplication(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TenantApplicationArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantApplication", name, {}, opts)
        own = args.ownership
        on_cluster = child(self, provider=args.k8s_provider)
        config = k8s.core.v1.ConfigMap(
            f"{name}-values",
            metadata=own.k8s_meta(f"{args.release_name}-values", args.namespace),
            data={
                **{k: pulumi.Output.from_input(v).apply(str) for k, v in args.config.items()},
                "TENANCY_MODE": args.mode,
            },
            opts=on_cluster,
        )
        dependencies: list[pulumi.Resource] = [config]
        if args.secrets:
            dependencies.append(
                k8s.core.v1.Secret(
                    f"{name}-secrets",
                    metadata=own.k8s_meta(f"{args.release_name}-secrets", args.namespace),
                    string_data=dict(args.secrets),
                    opts=on_cluster,
                )
            )
        k8s.helm.v3.Release(
            f"{name}-release",
            name=args.release_name,
            chart=args.chart.chart,
            version=args.chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.chart.repository),
            namespace=args.namespace,
            atomic=True,
            values={
                **args.values,
                "tenancy": {
                    "mode": args.mode,
                    "configMap": f"{args.release_name}-values",
                    "secret": f"{args.release_name}-secrets" if args.secrets else None,
                },
                "serviceAccount": {"create": False, "name": args.service_account},
                "podSecurityContext": restricted_pod_security(),
                "securityContext": restricted_container_security(),
                "service": {"type": "ClusterIP"},
                "podLabels": own.k8s_labels(),
                # Only while suspended, so resuming restores the chart's own replica count.
                **(
                    {"replicaCount": 0, "autoscaling": {"enabled": False}}
                    if args.scaled_to_zero
                    else {}
                ),
            },
            opts=child(self, provider=args.k8s_provider, depends_on=dependencies),
        )
        self.register_outputs({})
