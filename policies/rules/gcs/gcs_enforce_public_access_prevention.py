"""gcs-enforce-public-access-prevention: a bucket can never be made public."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "gcs-enforce-public-access-prevention"
ANCHORS = (
    checkov("CKV_GCP_114", "Ensure public access prevention is enforced on Cloud Storage bucket"),
)


def check(bucket: Subject, report: Report, config: Config) -> None:
    value = bucket.get("publicAccessPrevention")
    if value != "enforced":
        report.violation(f"{bucket.label}: publicAccessPrevention is {value!r}, must be 'enforced'")


POLICY = resource_policy(
    name=NAME,
    description="Cloud Storage buckets enforce public access prevention.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.BUCKET},
    check=check,
    remediation="Set publicAccessPrevention = 'enforced'.",
)
