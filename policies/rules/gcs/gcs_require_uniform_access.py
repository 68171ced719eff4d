"""gcs-require-uniform-access: bucket access is IAM only (no per-object ACLs)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gcs-require-uniform-access"
ANCHORS = (
    checkov(
        "CKV_GCP_29", "Ensure that Cloud Storage buckets have uniform bucket-level access enabled"
    ),
)


def check(bucket: Subject, report: Report, config: Config) -> None:
    if as_bool(bucket.get("uniformBucketLevelAccess")) is not True:
        report.violation(
            f"{bucket.label}: uniformBucketLevelAccess must be true (object ACLs bypass bucket IAM)"
        )


POLICY = resource_policy(
    name=NAME,
    description="Cloud Storage buckets use uniform bucket-level access.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.BUCKET},
    check=check,
    remediation="Set uniformBucketLevelAccess = true.",
)
