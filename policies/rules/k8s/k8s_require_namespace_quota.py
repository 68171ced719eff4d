"""k8s-require-namespace-quota: every tenant namespace has a ResourceQuota bounding CPU and memory."""
from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import EXTRA_GUARDED_NAMESPACES, Config
from policies.lib.namespaces import guarded_namespaces, missing, objects_in
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


def bounds(quota: Subject) -> set[str]:
    """Which of cpu / memory the quota's spec.hard limits."""
    limited = set(keys(quota.get("spec.hard"), "spec.hard"))
    return {what for what in ("cpu", "memory") if limited & {what, f"requests.{what}", f"limits.{what}"}}


def check(view: StackView, report: Report, config: Config) -> None:
    for namespace, name in guarded_namespaces(view, list(config["extraNamespaces"])):
        with report.deciding(namespace.label, namespace.urn):
            placement = objects_in(view, kinds.RESOURCE_QUOTA, namespace, name)
            complete = [q for q in placement.found if bounds(q) == {"cpu", "memory"}]
            if complete:
                continue
            if placement.found:
                for quota in placement.found:
                    lacking = {"cpu", "memory"} - bounds(quota)
                    report.violation(f"{quota.label} in namespace {name!r} does not limit {' or '.join(sorted(lacking))}",
                                     quota.urn)
                continue
            message, undecided = missing(placement, "ResourceQuota", name)
            (report.undecided if undecided else report.violation)(message, namespace.urn)


POLICY = stack_policy(
    name=NAME,
    description="Every tenant namespace has a ResourceQuota that limits CPU and memory.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Create a ResourceQuota in the namespace with requests/limits for cpu and memory (see the "
                "tier's namespace_quota).",
)
