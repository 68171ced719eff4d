"""Builders that turn a small check function into a pulumi_policy policy.

Every policy gets its description, enforcement level, config schema, compliance framework and
tags (from its anchors) the same way, and every check runs inside ``Report.deciding`` so an
unknown value becomes an UNDECIDED result instead of an exception or a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.lib.anchors import Anchor, anchor_tags, framework_of
from policies.lib.config import Config, Knob, config_schema
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

ResourceCheck = Callable[[Subject, Report, Config], None]
StackCheck = Callable[[StackView, Report, Config], None]


def _tags(name: str, anchors: tuple[Anchor, ...], kind: str) -> list[str]:
    return [name.split("-", 1)[0], kind, *anchor_tags(anchors)]


def resource_policy(
    *,
    name: str,
    description: str,
    level: EnforcementLevel,
    anchors: tuple[Anchor, ...],
    applies_to: Collection[str] | Callable[[str], bool],
    check: ResourceCheck,
    remediation: str,
    knobs: tuple[Knob, ...] = (),
    severity: Severity = Severity.HIGH,
) -> ResourceValidationPolicy:
    applies = applies_to if callable(applies_to) else frozenset(applies_to).__contains__

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not applies(args.resource_type):
            return
        report = Report(report_violation)
        subject = Subject.from_args(args)
        with report.deciding(subject.label):
            check(subject, report, Config(knobs, args.get_config()))

    policy = ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=config_schema(knobs),
        severity=severity,
        framework=framework_of(anchors),
        tags=_tags(name, anchors, "resource"),
        remediation_steps=remediation,
    )
    # The offline evaluator skips the call for a type this is False for: validate would return
    # at once, reporting nothing (tenancy/checks/engine.py).
    setattr(policy, APPLIES_ATTRIBUTE, applies)
    return policy


APPLIES_ATTRIBUTE = "tenancy_applies_to"


def applies_to(policy: object) -> Callable[[str], bool] | None:
    """A resource policy's type filter (None: not built here, so it sees every type)."""
    return getattr(policy, APPLIES_ATTRIBUTE, None)


# The subjects of the last stack evaluated, with the resource list they were built from: every
# stack policy gets the same list from the engine, so they are built once per stack, not once per
# policy. The list is held, so its identity cannot be reused by another.
_last_subjects: tuple[object, int, list[Subject]] | None = None


def _subjects(resources: list) -> list[Subject]:
    global _last_subjects
    last = _last_subjects
    if last is not None and last[0] is resources and last[1] == len(resources):
        return last[2]
    subjects = [Subject.from_policy_resource(r) for r in resources]
    _last_subjects = (resources, len(resources), subjects)
    return subjects


def stack_policy(
    *,
    name: str,
    description: str,
    level: EnforcementLevel,
    anchors: tuple[Anchor, ...],
    check: StackCheck,
    remediation: str,
    knobs: tuple[Knob, ...] = (),
    severity: Severity = Severity.CRITICAL,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        subjects = _subjects(args.resources)
        if not subjects:
            return
        report = Report(report_violation)
        with report.deciding(f"stack of {subjects[0].urn.split('::', 1)[0]}"):
            check(StackView(subjects), report, Config(knobs, args.get_config()))

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=config_schema(knobs),
        severity=severity,
        framework=framework_of(anchors),
        tags=_tags(name, anchors, "stack"),
        remediation_steps=remediation,
    )
