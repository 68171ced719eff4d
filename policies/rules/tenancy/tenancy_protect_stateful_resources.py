"""tenancy-protect-stateful-resources: data cannot be destroyed by an accidental `pulumi up`."""

from __future__ import annotations

from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.lifecycle import is_offboarding
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.stateful import (
    GUARDED_ONLY,
    STATEFUL,
    ProviderGuard,
    is_neo4j_release,
    is_stateful,
)

NAME = "tenancy-protect-stateful-resources"
ANCHORS = (
    tenancy(
        "stateful-protection", "Stateful resources are protected unless their tenant is offboarding"
    ),
)


def _guard(subject: Subject, guard: ProviderGuard | None, report: Report) -> None:
    if guard is None:
        return
    value = subject.get(guard.field)
    if not guard.holds(value):
        report.violation(
            f"{subject.label}: {guard.field} is {value!r}, must be {guard.wanted} while its tenant "
            "is not offboarding",
            subject.urn,
        )


def check(view: StackView, report: Report, config: Config) -> None:
    for subject in view.subjects:
        stateful = is_stateful(subject)
        if not stateful and subject.type not in GUARDED_ONLY:
            continue
        with report.deciding(subject.label, subject.urn):
            if is_offboarding(subject):
                continue
            if stateful and not subject.protect:
                what = "Neo4j release" if is_neo4j_release(subject) else "stateful resource"
                report.violation(
                    f"{subject.label}: {what} without the protect option while its tenant is "
                    "not offboarding",
                    subject.urn,
                )
            _guard(subject, STATEFUL.get(subject.type) or GUARDED_ONLY.get(subject.type), report)


POLICY = stack_policy(
    name=NAME,
    description="Cloud SQL, Firestore, buckets, KMS keys, Temporal namespaces, the Neo4j release "
    "and PVCs have "
    "protect: true and provider deletion protection (Firestore, buckets, GKE) unless the tenant "
    "is offboarding.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Create stateful resources with Ownership.stateful(...) (protect) and the "
    "provider's deletion "
    "protection; set status: offboarding in the tenant file before deleting.",
)
