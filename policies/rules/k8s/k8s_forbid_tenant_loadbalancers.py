"""k8s-forbid-tenant-loadbalancers: tenants are reached through the ingress, not their own load
balancers."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "k8s-forbid-tenant-loadbalancers"
ANCHORS = (
    tenancy("seed-002-networking", "Tenants are routed by the shared ingress controller"),
    mtb("MTB-PL1-CC-FNS-2", "Configure namespace object limits", related=True),
)


def check(service: Subject, report: Report, config: Config) -> None:
    namespace = service.get("metadata.namespace")
    if service.get("spec.type") == "LoadBalancer" and kinds.is_tenant_namespace_name(namespace):
        report.violation(
            f"{service.label}: type LoadBalancer in tenant namespace {namespace!r} exposes the "
            "tenant outside the ingress (and its TLS, routing and NetworkPolicies)"
        )


POLICY = resource_policy(
    name=NAME,
    description="No Service of type LoadBalancer in a tenant namespace.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SERVICE},
    check=check,
    remediation="Expose the tenant through an Ingress on the shared controller (ClusterIP "
    "Service).",
)
