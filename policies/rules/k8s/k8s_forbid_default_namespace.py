"""k8s-forbid-default-namespace: namespaced objects never land in `default`."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import get

NAME = "k8s-forbid-default-namespace"
ANCHORS = (checkov("CKV_K8S_21", "The default namespace should not be used"),)


def check(resource: Subject, report: Report, config: Config) -> None:
    if not kinds.is_namespaced_k8s(resource.type, resource.props):
        return
    namespace = kinds.k8s_namespace_of(resource.type, resource.props)
    if namespace is None:
        # Without a namespace the object goes to the provider's namespace, 'default' unless set.
        namespace = get(resource.provider_props, "namespace") or "default"
    if namespace == "default":
        report.violation(
            f"{resource.label}: lands in namespace 'default', outside every tenant guardrail "
            "(quota, NetworkPolicy, Pod Security)"
        )


POLICY = resource_policy(
    name=NAME,
    description="Namespaced Kubernetes objects (Helm releases included) are never in the "
    "'default' namespace.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=kinds.is_k8s,
    check=check,
    remediation="Set metadata.namespace (or the release namespace) to the tenant or platform "
    "namespace.",
)
