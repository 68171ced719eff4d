"""k8s-require-namespace-quota: every tenant namespace has a ResourceQuota bounding CPU and
memory."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import EXTRA_GUARDED_NAMESPACES, Config
from policies.lib.namespaces import guarded_namespaces, objects_in, report_missing
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import keys

NAME = "k8s-require-namespace-quota"
ANCHORS = (
    mtb("MTB-PL1-CC-FNS-1", "Configure namespace resource quotas"),
    mtb("MTB-PL1-CC-FNS-2", "Configure namespace object limits"),
)
KNOBS = (EXTRA_GUARDED_NAMESPACES,)
BOUNDED = frozenset({"cpu", "memory"})


def bounds(quota: Subject) -> set[str]:
    """Which of cpu / memory the quota's spec.hard limits."""
    limited = set(keys(quota.get("spec.hard"), "spec.hard"))
    return {what for what in BOUNDED if limited & {what, f"requests.{what}", f"limits.{what}"}}


def check(view: StackView, report: Report, config: Config) -> None:
    for namespace, name in guarded_namespaces(view, list(config["extraNamespaces"])):
        with report.deciding(namespace.label, namespace.urn):
            placement = objects_in(view, kinds.RESOURCE_QUOTA, namespace, name)
            lacking = [(quota, BOUNDED - bounds(quota)) for quota in placement.found]
            if not placement.found:
                report_missing(report, placement, "ResourceQuota", namespace, name)
            elif all(unbounded for _, unbounded in lacking):
                for quota, unbounded in lacking:
                    report.violation(
                        f"{quota.label} in namespace {name!r} does not limit "
                        f"{' or '.join(sorted(unbounded))}",
                        quota.urn,
                    )


POLICY = stack_policy(
    name=NAME,
    description="Every tenant namespace has a ResourceQuota that limits CPU and memory.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Create a ResourceQuota in the namespace with requests/limits for cpu and memory "
    "(see the tier's namespace_quota).",
)
