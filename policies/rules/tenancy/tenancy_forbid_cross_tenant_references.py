"""tenancy-forbid-cross-tenant-references: nothing of tenant A names, depends on or nests under
tenant B."""

from __future__ import annotations

from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.values import known_strings

NAME = "tenancy-forbid-cross-tenant-references"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
ANCHORS = (
    tenancy("seed-003-isolation", "Isolation failures are critical security issues"),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)


def scanned_strings(subject: Subject) -> list[tuple[str, str]]:
    """The string inputs to scan. A StackReference's other properties are the referenced stack's
    outputs (under the engine), not this tenant's inputs: only the stack it names counts."""
    if subject.type == STACK_REFERENCE:
        return [(key, str(subject.get(key))) for key in ("name", "$read") if subject.get(key)]
    return list(known_strings(subject.props))


def check(view: StackView, report: Report, config: Config) -> None:
    index = view.facts.names
    for subject in view.subjects:
        with report.deciding(subject.label, subject.urn):
            owner = subject.owner()
            if owner == SHARED:
                continue
            reported: set[str] = set()
            # Unknown inputs are skipped here: they come from other resources' outputs, which
            # are dependencies and are checked below.
            for path, text in scanned_strings(subject):
                for mention in index.mentions(text):
                    if mention.tenant not in (owner, *reported):
                        reported.add(mention.tenant)
                        report.violation(
                            f"{subject.label} of tenant {owner!r}: input {path} names "
                            f"{mention.name!r} of tenant {mention.tenant!r}",
                            subject.urn,
                        )
            edges = [("parent", subject.parent)] + [
                ("dependency", urn) for urn in subject.dependencies
            ]
            for relation, urn in edges:
                other = view.by_urn.get(urn) if urn else None
                if other is None:
                    continue
                other_owner = other.owner()
                if other_owner not in (SHARED, owner):
                    report.violation(
                        f"{subject.label} of tenant {owner!r}: {relation} {other.label} belongs to "
                        f"tenant {other_owner!r}",
                        subject.urn,
                    )


POLICY = stack_policy(
    name=NAME,
    description="No resource of tenant A names tenant B's physical names (domain.names) or stack, "
    "or depends on or "
    "is parented by tenant B's resources.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Derive every name from the owning tenant's id with domain.names; never pass "
    "another tenant's "
    "outputs into a tenant's resources.",
)
