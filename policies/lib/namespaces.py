"""Which objects sit in which namespace, for the per-namespace guardrail rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.lib import kinds
from policies.lib.k8s import namespace_name
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import Undecided


@dataclass
class Placement:
    """The objects of one type in a namespace, and those whose namespace cannot be read yet."""

    found: list[Subject] = field(default_factory=list)
    unknown: list[Subject] = field(default_factory=list)


def guarded_namespaces(view: StackView, extra: list[str]) -> list[tuple[Subject, str]]:
    """Tenant namespaces (tenant-<id>) plus the operator's extra ones, as (resource, name)."""
    result = []
    for namespace in view.of_type(kinds.NAMESPACE):
        name = namespace_name(namespace)
        if name.startswith(kinds.TENANT_NAMESPACE_PREFIX) or name in extra:
            result.append((namespace, name))
    return result


def objects_in(view: StackView, type_token: str, namespace: Subject, name: str) -> Placement:
    placement = Placement()
    for obj in view.of_type(type_token):
        try:
            declared = obj.get("metadata.namespace")
        except Undecided:
            # An output of the Namespace resource: the dependency says which one.
            if namespace.urn in obj.dependencies:
                placement.found.append(obj)
            else:
                placement.unknown.append(obj)
            continue
        if declared == name:
            placement.found.append(obj)
    return placement


def report_missing(
    report: Report, placement: Placement, what: str, namespace: Subject, name: str
) -> None:
    """A namespace lacks ``what``: a violation, or undecided while objects of that kind have an
    unknown namespace."""
    if placement.unknown:
        report.undecided(
            f"namespace {name!r}: no {what} found, and {len(placement.unknown)} object(s) of that "
            "kind have a namespace unknown until deploy",
            namespace.urn,
        )
    else:
        report.violation(f"namespace {name!r} has no {what}", namespace.urn)
