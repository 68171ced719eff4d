"""k8s-require-default-deny-netpol: every tenant namespace denies all ingress and egress by
default."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import EXTRA_GUARDED_NAMESPACES, Config
from policies.lib.namespaces import guarded_namespaces, objects_in, report_missing
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import elements, get, items

NAME = "k8s-require-default-deny-netpol"
ANCHORS = (mtb("MTB-PL1-BC-NI-1", "Default deny network connections across tenants"),)
KNOBS = (EXTRA_GUARDED_NAMESPACES,)
DIRECTIONS = {"Ingress": "ingress", "Egress": "egress"}


def selects_all_pods(policy: Subject) -> bool:
    selector = policy.get("spec.podSelector")
    if selector is None:
        return False
    return not any(value for _, value in items(selector, "spec.podSelector"))


def denies(policy: Subject) -> set[str]:
    """The directions this NetworkPolicy denies for every pod of its namespace."""
    if not selects_all_pods(policy):
        return set()
    types = set(elements(policy.get("spec.policyTypes"), "spec.policyTypes"))
    return {
        d
        for d, rules in DIRECTIONS.items()
        if d in types and not list(elements(get(policy.props, ["spec", rules])))
    }


def check(view: StackView, report: Report, config: Config) -> None:
    for namespace, name in guarded_namespaces(view, list(config["extraNamespaces"])):
        with report.deciding(namespace.label, namespace.urn):
            placement = objects_in(view, kinds.NETWORK_POLICY, namespace, name)
            denied = set().union(*(denies(p) for p in placement.found))
            lacking = set(DIRECTIONS) - denied
            if not lacking:
                continue
            what = (
                f"default-deny NetworkPolicy for {' and '.join(sorted(lacking))} (podSelector: "
                "{}, no rules)"
            )
            report_missing(report, placement, what, namespace, name)


POLICY = stack_policy(
    name=NAME,
    description="Every tenant namespace has a default-deny NetworkPolicy for ingress and egress "
    "(podSelector {}, both policyTypes, no rules); allows are separate policies.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Add NetworkPolicy {podSelector: {}, policyTypes: [Ingress, Egress]} to the "
    "namespace, then "
    "separate allow policies (DNS, ingress controller, databases).",
)
