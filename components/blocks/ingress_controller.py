"""An ingress-nginx controller on a reserved IP, cert-manager and an ACME ClusterIssuer.
The shared pool runs one per pool cluster; an enterprise tenant gets its own."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.namespace_baseline import INGRESS_NAMESPACE
from components.conventions import Ownership, child
from domain.environment import ChartRef

CERT_MANAGER_NAMESPACE = "cert-manager"
ISSUER_NAME = "letsencrypt"


@dataclass
class IngressControllerArgs:
    address_name: str
    project: pulumi.Input[str]
    region: str
    ingress_chart: ChartRef
    cert_manager_chart: ChartRef
    acme_email: str
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource
    dns01_project: pulumi.Input[str] | None = None  # Cloud DNS project for wildcard certificates
    cert_manager_gsa_email: pulumi.Input[str] | None = None  # Workload Identity for DNS-01


class IngressController(pulumi.ComponentResource):
    address: gcp.compute.Address
    issuer_name: str = ISSUER_NAME

    def __init__(
        self, name: str, args: IngressControllerArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:IngressController", name, {}, opts)
        own = args.ownership
        self.address = gcp.compute.Address(
            f"{name}-ip",
            name=args.address_name,
            project=args.project,
            region=args.region,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            labels=own.gcp_labels(),
            opts=child(self),
        )
        on_cluster = child(self, provider=args.k8s_provider)
        ingress = k8s.helm.v3.Release(
            f"{name}-ingress-nginx",
            name="ingress-nginx",
            chart=args.ingress_chart.chart,
            version=args.ingress_chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.ingress_chart.repository),
            namespace=INGRESS_NAMESPACE,
            create_namespace=True,
            atomic=True,
            values={
                "controller": {
                    "service": {
                        "type": "LoadBalancer",
                        "loadBalancerIP": self.address.address,
                        "externalTrafficPolicy": "Local",
                    },
                    "replicaCount": 2,
                    "config": {
                        "use-forwarded-headers": "true",
                        "hsts": "true",
                        "ssl-redirect": "true",
                    },
                    # Snippets would let one tenant's Ingress reconfigure the shared proxy.
                    "allowSnippetAnnotations": False,
                    "metrics": {"enabled": True},
                }
            },
            opts=on_cluster,
        )
        sa_annotations = (
            {"iam.gke.io/gcp-service-account": args.cert_manager_gsa_email}
            if args.cert_manager_gsa_email
            else {}
        )
        cert_manager = k8s.helm.v3.Release(
            f"{name}-cert-manager",
            name="cert-manager",
            chart=args.cert_manager_chart.chart,
            version=args.cert_manager_chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.cert_manager_chart.repository),
            namespace=CERT_MANAGER_NAMESPACE,
            create_namespace=True,
            atomic=True,
            values={"crds": {"enabled": True}, "serviceAccount": {"annotations": sa_annotations}},
            opts=on_cluster,
        )
        solvers: list[dict] = [{"http01": {"ingress": {"ingressClassName": "nginx"}}}]
        if args.dns01_project is not None:
            solvers.insert(
                0,
                {
                    "dns01": {"cloudDNS": {"project": args.dns01_project}},
                    "selector": {"dnsNames": []},
                },
            )
        k8s.apiextensions.CustomResource(
            f"{name}-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata=own.k8s_meta(ISSUER_NAME),
            spec={
                "acme": {
                    "email": args.acme_email,
                    "server": "https://acme-v02.api.letsencrypt.org/directory",
                    "privateKeySecretRef": {"name": f"{ISSUER_NAME}-account-key"},
                    "solvers": solvers,
                }
            },
            opts=child(self, provider=args.k8s_provider, depends_on=[cert_manager, ingress]),
        )
        self.register_outputs({"address": self.address.address})
