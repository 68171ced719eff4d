"""temporal-enforce-namespace-name: namespace names follow Temporal Cloud's rules and the naming
scheme."""

from __future__ import annotations

from domain import names
from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "temporal-enforce-namespace-name"
ANCHORS = (tenancy("names-temporal-namespace", "domain.names NAME_RULES['temporal_namespace']"),)


def check(namespace: Subject, report: Report, config: Config) -> None:
    name = namespace.get("name")
    if not name:
        report.violation(
            f"{namespace.label}: name is not set; Temporal namespace names must be chosen, "
            "not generated"
        )
        return
    for problem in names.name_problems("temporal_namespace", str(name)):
        report.violation(f"{namespace.label}: {problem}")
    stack = namespace.stack
    expected = (
        names.temporal_namespace(stack.env, stack.tenant_id)
        if stack.tenant_id is not None
        else None
    )
    if expected is not None and name != expected:
        report.violation(
            f"{namespace.label}: name {name!r} should be {expected!r} in stack {stack.name}"
        )


POLICY = resource_policy(
    name=NAME,
    description="Temporal namespace names follow Temporal Cloud's rules and are <env>-<tenant id> "
    "in tenant stacks.",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to={kinds.TEMPORAL_NAMESPACE},
    check=check,
    remediation="Name the namespace with domain.names.temporal_namespace(env, tenant_id).",
)
