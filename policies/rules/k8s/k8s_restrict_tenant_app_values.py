"""k8s-restrict-tenant-app-values: a tenant's app release takes only the Helm values a tenant may
set, and the platform's values keep it in its own identity, namespace and security profile."""

from __future__ import annotations

from collections.abc import Mapping

from domain import names
from domain.registry.enterprise import ALLOWED_VALUES, NODE_POOL_LABEL, PLATFORM_SET_VALUES
from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, get, keys

NAME = "k8s-restrict-tenant-app-values"
ANCHORS = (
    tenancy("seed-002-enterprise-tier", "Custom Helm values applied for tenant requirements"),
    mtb("MTB-PL1-BC-CPI-5", "Block privileged containers", related=True),
)
KNOWN_KEYS = frozenset(ALLOWED_VALUES) | frozenset(PLATFORM_SET_VALUES)


def _own_service_account(namespace: str) -> str | None:
    if namespace == names.FREE_TIER_NAMESPACE:
        return names.FREE_TIER_KSA
    if namespace.startswith(kinds.TENANT_NAMESPACE_PREFIX):
        return names.k8s_service_account(namespace.removeprefix(kinds.TENANT_NAMESPACE_PREFIX))
    return None


def check(release: Subject, report: Report, config: Config) -> None:
    values = release.get("values")
    namespace = str(release.get("namespace") or "")
    # The app chart is the release the platform wires to a tenant's ConfigMap (values.tenancy).
    if not isinstance(values, Mapping) or "tenancy" not in keys(values, "values"):
        return
    if not kinds.is_tenant_namespace_name(namespace):
        return
    unknown = sorted(set(keys(values, "values")) - KNOWN_KEYS)
    if unknown:
        report.violation(
            f"{release.label}: sets Helm values {unknown} that are neither the platform's nor "
            f"allowed to a tenant ({', '.join(ALLOWED_VALUES)})"
        )
    ksa = get(values, "serviceAccount.name")
    own = _own_service_account(namespace)
    if get(values, "serviceAccount.create") is not False or ksa != own:
        report.violation(
            f"{release.label}: runs as service account {ksa!r}, not the namespace's own {own!r} "
            "(serviceAccount.create must be false)"
        )
    service_type = get(values, "service.type")
    if service_type != "ClusterIP":
        report.violation(f"{release.label}: service.type is {service_type!r}, must be ClusterIP")
    selector = get(values, "nodeSelector") or {}
    other = sorted(set(keys(selector, "values.nodeSelector")) - {NODE_POOL_LABEL})
    if other:
        report.violation(
            f"{release.label}: nodeSelector on {other}; only {NODE_POOL_LABEL} (the tenant's own "
            "node pools) may place the app"
        )
    if (
        as_bool(get(values, "securityContext.privileged"))
        or as_bool(get(values, "securityContext.allowPrivilegeEscalation")) is not False
    ):
        report.violation(
            f"{release.label}: securityContext must set allowPrivilegeEscalation: false and not "
            "privileged (Pod Security 'restricted')"
        )
    if as_bool(get(values, "podSecurityContext.runAsNonRoot")) is not True:
        report.violation(f"{release.label}: podSecurityContext.runAsNonRoot must be true")


POLICY = resource_policy(
    name=NAME,
    description=(
        "A tenant's app release sets only the platform's Helm values and those a tenant may set "
        "(replicaCount, resources, autoscaling, nodeSelector on its node pools); it runs as the "
        "namespace's own service account, behind a ClusterIP Service, under Pod Security "
        "'restricted'."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.HELM_RELEASE},
    check=check,
    remediation="Give tenant values through `app.values` in the tenant file (validated against "
    "the allowed keys, docs/tiers.md); never set the platform's keys.",
)
