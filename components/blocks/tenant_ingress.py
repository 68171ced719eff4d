"""A tenant's host: a cert-manager Certificate and an Ingress routed by hostname into its
namespace."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.ingress_controller import ISSUER_NAME
from components.conventions import Ownership, child

APP_SERVICE = "api-gateway"
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
    tls_secret: str = "tenant-tls"
    certificate_dns_names: list[str] | None = None  # default: the hosts
    maintenance_url: str | None = None  # set while suspended: every request is redirected there


class TenantIngress(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TenantIngressArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantIngress", name, {}, opts)
        own = args.ownership
        certificate = k8s.apiextensions.CustomResource(
            f"{name}-certificate",
            api_version="cert-manager.io/v1",
            kind="Certificate",
            metadata=own.k8s_meta("tenant-certificate", args.namespace),
            spec={
                "secretName": args.tls_secret,
                "dnsNames": list(args.certificate_dns_names or args.hosts),
                "issuerRef": {"kind": "ClusterIssuer", "name": ISSUER_NAME},
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            },
            opts=child(self, provider=args.k8s_provider),
        )
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=own.k8s_meta(
                "tenant",
                args.namespace,
                annotations={TEMPORAL_REDIRECT: args.maintenance_url}
                if args.maintenance_url
                else None,
            ),
            spec=k8s.networking.v1.IngressSpecArgs(
                ingress_class_name="nginx",
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
            opts=child(self, provider=args.k8s_provider, depends_on=[certificate]),
        )
        self.register_outputs({"hosts": list(args.hosts)})
