"""A second ingress-nginx controller behind an internal passthrough load balancer on a reserved
internal address of the tenant's subnet: the app answers inside the tenant's VPC, reached over
its VPN or peering, beside the public controller.

It runs in the public controller's namespace (the tenant namespace admits traffic from there
only) under its own release, IngressClass and controller value, so each controller serves only
its own class. The load balancer is internal by the GKE Service annotation
``networking.gke.io/load-balancer-type: "Internal"`` (GKE docs, "Create an internal passthrough
Network Load Balancer"); TLS certificates come from the public controller's cert-manager."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.namespace_baseline import INGRESS_NAMESPACE
from components.conventions import Ownership, child
from domain.environment import ChartRef

PRIVATE_INGRESS_CLASS = "nginx-internal"
RELEASE_NAME = "ingress-nginx-internal"


@dataclass
class PrivateIngressControllerArgs:
    address_name: str
    project: pulumi.Input[str]
    region: str
    subnetwork: pulumi.Input[str]
    ingress_chart: ChartRef
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource
    depends_on: list[pulumi.Resource] | None = None  # the public controller (namespace, CRDs)


class PrivateIngressController(pulumi.ComponentResource):
    address: gcp.compute.Address

    def __init__(
        self,
        name: str,
        args: PrivateIngressControllerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("tenancy:blocks:PrivateIngressController", name, {}, opts)
        self.address = gcp.compute.Address(
            f"{name}-ip",
            name=args.address_name,
            project=args.project,
            region=args.region,
            address_type="INTERNAL",
            subnetwork=args.subnetwork,
            labels=args.ownership.gcp_labels(),
            opts=child(self),
        )
        k8s.helm.v3.Release(
            f"{name}-ingress-nginx",
            name=RELEASE_NAME,
            chart=args.ingress_chart.chart,
            version=args.ingress_chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.ingress_chart.repository),
            namespace=INGRESS_NAMESPACE,
            create_namespace=False,
            atomic=True,
            values={
                "controller": {
                    "ingressClass": PRIVATE_INGRESS_CLASS,
                    "ingressClassResource": {
                        "name": PRIVATE_INGRESS_CLASS,
                        "controllerValue": f"k8s.io/{RELEASE_NAME}",
                        "default": False,
                    },
                    "electionID": f"{RELEASE_NAME}-leader",
                    "service": {
                        "type": "LoadBalancer",
                        "loadBalancerIP": self.address.address,
                        "externalTrafficPolicy": "Local",
                        "annotations": {"networking.gke.io/load-balancer-type": "Internal"},
                    },
                    "replicaCount": 2,
                    "config": {"use-forwarded-headers": "true", "hsts": "true"},
                    "allowSnippetAnnotations": False,
                    "metrics": {"enabled": True},
                },
            },
            opts=child(self, provider=args.k8s_provider, depends_on=args.depends_on),
        )
        self.register_outputs({"address": self.address.address})
