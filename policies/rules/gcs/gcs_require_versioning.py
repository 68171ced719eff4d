"""gcs-require-versioning: paying tenants' buckets keep object versions."""

from __future__ import annotations

from domain.tiers import Tier
from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.lifecycle import tier_of
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gcs-require-versioning"
ANCHORS = (checkov("CKV_GCP_78", "Ensure Cloud storage has versioning enabled"),)
VERSIONED_TIERS = (Tier.STANDARD, Tier.ENTERPRISE)


def check(bucket: Subject, report: Report, config: Config) -> None:
    tier = tier_of(bucket)
    if tier not in VERSIONED_TIERS:
        return
    if as_bool(bucket.get("versioning.enabled")) is not True:
        report.violation(
            f"{bucket.label}: versioning.enabled must be true for {tier.value} tenant "
            f"{bucket.owner()!r}"
        )


POLICY = resource_policy(
    name=NAME,
    description="Buckets of standard and enterprise tenants enable object versioning.",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to={kinds.BUCKET},
    check=check,
    remediation="Set versioning.enabled = true (with a lifecycle rule that expires noncurrent "
    "versions).",
)
