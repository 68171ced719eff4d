"""k8s-require-namespace-limitrange: every tenant namespace gives containers default limits."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import EXTRA_GUARDED_NAMESPACES, Config
from policies.lib.namespaces import guarded_namespaces, objects_in, report_missing
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import elements, get

NAME = "k8s-require-namespace-limitrange"
ANCHORS = (mtb("MTB-PL1-CC-FNS-1", "Configure namespace resource quotas", related=True),)
KNOBS = (EXTRA_GUARDED_NAMESPACES,)


def limits_containers(limit_range: Subject) -> bool:
    return any(
        get(item, "type") == "Container"
        for item in elements(limit_range.get("spec.limits"), "spec.limits")
    )


def check(view: StackView, report: Report, config: Config) -> None:
    for namespace, name in guarded_namespaces(view, list(config["extraNamespaces"])):
        with report.deciding(namespace.label, namespace.urn):
            placement = objects_in(view, kinds.LIMIT_RANGE, namespace, name)
            if not placement.found:
                report_missing(report, placement, "LimitRange", namespace, name)
            elif not any(limits_containers(lr) for lr in placement.found):
                report.violation(
                    f"{placement.found[0].label} in namespace {name!r} has no limit of type "
                    "Container",
                    placement.found[0].urn,
                )


POLICY = stack_policy(
    name=NAME,
    description="Every tenant namespace has a LimitRange with container defaults, so no pod "
    "escapes the quota.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Create a LimitRange in the namespace with a Container item (default, "
    "defaultRequest, max).",
)
