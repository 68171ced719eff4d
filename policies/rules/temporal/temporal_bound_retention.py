"""temporal-bound-retention: workflow history retention stays within the operator's bounds."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, Config
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "temporal-bound-retention"
ANCHORS = (
    tenancy("tiers-temporal-retention", "Temporal retention knob of the tier model (1..90 days)"),
)
KNOBS = (RETENTION_MIN_DAYS, RETENTION_MAX_DAYS)


def check(namespace: Subject, report: Report, config: Config) -> None:
    low, high = int(config["minRetentionDays"]), int(config["maxRetentionDays"])
    days = namespace.get("retentionDays")
    if not isinstance(days, (int, float)) or isinstance(days, bool):
        report.violation(
            f"{namespace.label}: retentionDays is {days!r}, must be a number of days in "
            f"{low}..{high}"
        )
    elif not (low <= days <= high):
        report.violation(f"{namespace.label}: retentionDays is {days:g}; allowed {low}..{high}")


POLICY = resource_policy(
    name=NAME,
    description="Temporal namespaces retain workflow history between 1 and 90 days (configurable).",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to={kinds.TEMPORAL_NAMESPACE},
    check=check,
    knobs=KNOBS,
    remediation="Set retentionDays within the bounds (the tenant file's temporal.retention_days).",
)
