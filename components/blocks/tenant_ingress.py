"""A tenant's host: a cert-manager Certificate and an Ingress routed by hostname into its
namespace."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.ingress_controller import ISSUER_NAME
from components.conventions import Ownership, child

APP_SERVICE = "api-gateway"
TLS_SECRET = "tenant-tls"  # the Kubernetes TLS Secret the ingress serves (ACME or the customer's)
# ingress-nginx answers every request with a 302 to this URL instead of proxying to the upstream
# (annotation reference: kubernetes.github.io/ingress-nginx, "Temporal redirect"). Used while the
# tenant is suspended; removing it restores the routing exactly.
TEMPORAL_REDIRECT = "nginx.ingress.kubernetes.io/temporal-redirect"


@dataclass
class TenantIngressArgs:
    hosts: list[str]
    namespace: pulumi.Input[str]
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None
    service_name: str = APP_SERVICE
    service_port: int = 80
    tls_secret: str = TLS_SECRET
    certificate_dns_names: list[str] | None = None  # default: the hosts
    maintenance_url: str | None = None  # set while suspended: every request is redirected there
    # Requests per minute across all of the Ingress's hosts, counted by every controller replica
    # in one store (global rate limiting, keyed by host); None: no limit at the edge.
    rate_limit_per_min: int | None = None
    # Also serve the hosts through this IngressClass (an enterprise tenant's private controller).
    private_ingress_class: str | None = None
    # False: the TLS Secret comes from elsewhere (a customer certificate, CustomerCertificate),
    # so no cert-manager Certificate is requested; depends_on is what writes the Secret.
    acme: bool = True
    depends_on: list[pulumi.Resource] = field(default_factory=list)


def rate_limit_annotations(per_minute: int | None) -> dict[str, str] | None:
    """ingress-nginx global rate limiting (annotations ``global-rate-limit``, ``-window`` and
    ``-key``: ingress-nginx docs, "Annotations", Global Rate Limiting); over the limit the
    controller answers 429 (ConfigMap ``global-rate-limit-status-code``)."""
    if per_minute is None:
        return None
    prefix = "nginx.ingress.kubernetes.io"
    return {
        f"{prefix}/global-rate-limit": str(per_minute),
        f"{prefix}/global-rate-limit-window": "1m",
        f"{prefix}/global-rate-limit-key": "$host",
    }


class TenantIngress(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TenantIngressArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantIngress", name, {}, opts)
        own = args.ownership
        tls_ready: list[pulumi.Resource] = list(args.depends_on)
        if args.acme:
            tls_ready.append(
                k8s.apiextensions.CustomResource(
                    f"{name}-certificate",
                    api_version="cert-manager.io/v1",
                    kind="Certificate",
                    metadata=own.k8s_meta("tenant-certificate", args.namespace),
                    spec={
                        "secretName": args.tls_secret,
                        "dnsNames": list(args.certificate_dns_names or args.hosts),
                        "issuerRef": {"kind": "ClusterIssuer", "name": ISSUER_NAME},
                        "privateKey": {
                            "algorithm": "ECDSA",
                            "size": 256,
                            "rotationPolicy": "Always",
                        },
                    },
                    opts=child(self, provider=args.k8s_provider),
                )
            )
        classes = [("ingress", "tenant", "nginx")]
        if args.private_ingress_class is not None:
            classes.append(("private-ingress", "tenant-private", args.private_ingress_class))
        for key, object_name, ingress_class in classes:
            k8s.networking.v1.Ingress(
                f"{name}-{key}",
                metadata=own.k8s_meta(
                    object_name,
                    args.namespace,
                    annotations={
                        **(rate_limit_annotations(args.rate_limit_per_min) or {}),
                        **(
                            {TEMPORAL_REDIRECT: args.maintenance_url}
                            if args.maintenance_url
                            else {}
                        ),
                    }
                    or None,
                ),
                spec=k8s.networking.v1.IngressSpecArgs(
                    ingress_class_name=ingress_class,
                    tls=[
                        k8s.networking.v1.IngressTLSArgs(
                            hosts=list(args.hosts), secret_name=args.tls_secret
                        )
                    ],
                    rules=[
                        k8s.networking.v1.IngressRuleArgs(
                            host=host,
                            http=k8s.networking.v1.HTTPIngressRuleValueArgs(
                                paths=[
                                    k8s.networking.v1.HTTPIngressPathArgs(
                                        path="/",
                                        path_type="Prefix",
                                        backend=k8s.networking.v1.IngressBackendArgs(
                                            service=k8s.networking.v1.IngressServiceBackendArgs(
                                                name=args.service_name,
                                                port=k8s.networking.v1.ServiceBackendPortArgs(
                                                    number=args.service_port
                                                ),
                                            )
                                        ),
                                    )
                                ]
                            ),
                        )
                        for host in args.hosts
                    ],
                ),
                opts=child(self, provider=args.k8s_provider, depends_on=tls_ready),
            )
        self.register_outputs({"hosts": list(args.hosts)})
