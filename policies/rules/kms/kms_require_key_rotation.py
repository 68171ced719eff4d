"""kms-require-key-rotation: encryption keys rotate within the configured bounds."""

from __future__ import annotations

import re

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import ROTATION_MAX_DAYS, ROTATION_MIN_DAYS, Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "kms-require-key-rotation"
ANCHORS = (
    checkov("CKV_GCP_43", "Ensure KMS encryption keys are rotated within a period of 90 days"),
)
KNOBS = (ROTATION_MIN_DAYS, ROTATION_MAX_DAYS)
SECONDS_PER_DAY = 86400
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)s$")


def check(key: Subject, report: Report, config: Config) -> None:
    low, high = int(config["minRotationDays"]), int(config["maxRotationDays"])
    if str(key.get("purpose", "ENCRYPT_DECRYPT")) != "ENCRYPT_DECRYPT":
        return  # asymmetric keys cannot rotate automatically
    period = key.get("rotationPeriod")
    if period is None:
        report.violation(
            f"{key.label}: rotationPeriod is not set; the key never rotates (allowed "
            f"{low}..{high} days)"
        )
        return
    match = _DURATION_RE.fullmatch(str(period))
    if match is None:
        report.violation(
            f"{key.label}: rotationPeriod {period!r} is not a duration in seconds like '7776000s'"
        )
        return
    days = float(match.group(1)) / SECONDS_PER_DAY
    if not (low <= days <= high):
        report.violation(
            f"{key.label}: rotationPeriod is {days:g} days; allowed {low}..{high} days"
        )


POLICY = resource_policy(
    name=NAME,
    description="KMS symmetric keys rotate automatically, between 1 and 90 days (configurable).",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.KMS_CRYPTO_KEY},
    check=check,
    knobs=KNOBS,
    remediation="Set rotationPeriod, e.g. '7776000s' for 90 days.",
)
