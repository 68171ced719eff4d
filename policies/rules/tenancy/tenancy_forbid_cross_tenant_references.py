"""tenancy-forbid-cross-tenant-references: nothing of tenant A names, depends on or nests under
tenant B.

"Names" means one of B's physical names, its stack name or host as a whole token, or B's id in a
field that names a tenant (policies/lib/names_index.py): a tenant whose id is a common word
('general', 'nginx') never makes another tenant's stack fail.
"""

from __future__ import annotations

from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.names_index import OWN_NAMES, TenantNameIndex, is_reference_field
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.values import Undecided, known_strings

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


def own_name_owners(
    subject: Subject, index: TenantNameIndex, owner: str
) -> list[tuple[str, str, str]]:
    """(path, tenant, name) when the resource's own name is another tenant's of the same kind."""
    if subject.type not in OWN_NAMES:
        return []
    path, kind = OWN_NAMES[subject.type]
    try:
        value = subject.get(path)
    except Undecided:
        return []  # an unknown name is another resource's output: a dependency, checked below
    if not isinstance(value, str):
        return []
    tenants = index.owners_of_kind(kind, value)
    return [] if owner in tenants else [(path, t, value) for t in sorted(tenants)]


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
            found = own_name_owners(subject, index, owner)
            for path, text in scanned_strings(subject):
                if subject.type == STACK_REFERENCE or is_reference_field(path, text):
                    found += [(path, m.tenant, m.name) for m in index.mentions(text, owner)]
                if field_owner := index.tenant_field_owner(subject.type, path, text):
                    found.append((path, field_owner, text))
            for path, tenant, name in found:
                if tenant not in (owner, *reported):
                    reported.add(tenant)
                    report.violation(
                        f"{subject.label} of tenant {owner!r}: input {path} names "
                        f"{name!r} of tenant {tenant!r}",
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
