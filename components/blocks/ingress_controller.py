"""An ingress-nginx controller on a reserved IP, cert-manager and an ACME ClusterIssuer.
The shared pool runs one per pool cluster; an enterprise tenant gets its own."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.namespace_baseline import INGRESS_NAMESPACE
from components.conventions import (
    Ownership,
    child,
    helm_chart,
    restricted_container_security,
    restricted_pod_security,
)
from domain.environment import ChartRef

CERT_MANAGER_NAMESPACE = "cert-manager"
ISSUER_NAME = "letsencrypt"
# The shared counter store of ingress-nginx's global rate limiting (ingress-nginx docs,
# ConfigMap "global-rate-limit-memcached-host"): every controller replica counts in one place,
# so a tenant's limit holds whatever the replica count.
RATE_LIMIT_STORE = "ratelimit-memcached"
MEMCACHED_IMAGE = "memcached:1.6.39-alpine"
METRICS_PORT = 10254  # the controller's Prometheus endpoint (chart value controller.metrics.port)


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
    dns01_zone: pulumi.Input[str] | None = None  # the Cloud DNS zone challenges are written to
    controller_image_digest: str | None = None  # pins the controller image beyond the chart


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
            **helm_chart(args.ingress_chart),
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
                        "global-rate-limit-memcached-host": (
                            f"{RATE_LIMIT_STORE}.{INGRESS_NAMESPACE}.svc.cluster.local"
                        ),
                        "global-rate-limit-memcached-port": "11211",
                        "global-rate-limit-status-code": "429",
                    },
                    # Snippets would let one tenant's Ingress reconfigure the shared proxy.
                    "allowSnippetAnnotations": False,
                    "metrics": {"enabled": True},
                    **(
                        {"image": {"digest": args.controller_image_digest}}
                        if args.controller_image_digest
                        else {}
                    ),
                }
            },
            opts=on_cluster,
        )
        self._rate_limit_store(name, own, on_cluster)
        # Managed Service for Prometheus scrapes the controller (GMP docs, "PodMonitoring").
        k8s.apiextensions.CustomResource(
            f"{name}-metrics",
            api_version="monitoring.googleapis.com/v1",
            kind="PodMonitoring",
            metadata=own.k8s_meta("ingress-nginx-controller", INGRESS_NAMESPACE),
            spec={
                "selector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": "ingress-nginx",
                        "app.kubernetes.io/component": "controller",
                    }
                },
                "endpoints": [{"port": METRICS_PORT, "interval": "30s"}],
            },
            opts=child(self, provider=args.k8s_provider, depends_on=[ingress]),
        )
        sa_annotations = (
            {"iam.gke.io/gcp-service-account": args.cert_manager_gsa_email}
            if args.cert_manager_gsa_email
            else {}
        )
        cert_manager = k8s.helm.v3.Release(
            f"{name}-cert-manager",
            name="cert-manager",
            **helm_chart(args.cert_manager_chart),
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
                    "dns01": {
                        "cloudDNS": {
                            "project": args.dns01_project,
                            # its grants cover this zone only
                            **({"hostedZoneName": args.dns01_zone} if args.dns01_zone else {}),
                        }
                    },
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

    def _rate_limit_store(
        self, name: str, own: Ownership, on_cluster: pulumi.ResourceOptions
    ) -> None:
        labels = {"app.kubernetes.io/name": RATE_LIMIT_STORE}
        k8s.apps.v1.Deployment(
            f"{name}-ratelimit-store",
            metadata=own.k8s_meta(RATE_LIMIT_STORE, INGRESS_NAMESPACE),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels={**own.k8s_labels(), **labels}),
                    spec=k8s.core.v1.PodSpecArgs(
                        security_context=restricted_pod_security(),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="memcached",
                                image=MEMCACHED_IMAGE,
                                args=["-m", "64", "-p", "11211"],
                                ports=[k8s.core.v1.ContainerPortArgs(container_port=11211)],
                                security_context=restricted_container_security(),
                                resources=k8s.core.v1.ResourceRequirementsArgs(
                                    requests={"cpu": "50m", "memory": "96Mi"},
                                    limits={"memory": "128Mi"},
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=on_cluster,
        )
        k8s.core.v1.Service(
            f"{name}-ratelimit-store-svc",
            metadata=own.k8s_meta(RATE_LIMIT_STORE, INGRESS_NAMESPACE),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(port=11211, target_port=11211)],
            ),
            opts=on_cluster,
        )
