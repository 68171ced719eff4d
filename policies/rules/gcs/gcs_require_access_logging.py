"""gcs-require-access-logging: tenant data buckets write usage (access) logs.

Cloud Storage writes a bucket's usage logs to the bucket named in ``logging.logBucket``
(https://cloud.google.com/storage/docs/access-logs). The log buckets themselves
(``<bucket>-logs``, domain.names.access_log_bucket) are the destination and log nothing.
"""

from __future__ import annotations

from domain import names
from policies.lib import kinds
from policies.lib.anchors import checkov, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "gcs-require-access-logging"
ANCHORS = (
    checkov("CKV_GCP_62", "Bucket should log access"),
    tenancy("seed-003-audit", "Logging and auditing of cross-tenant access attempts"),
)


def check(bucket: Subject, report: Report, config: Config) -> None:
    if names.is_access_log_bucket(str(bucket.get("name") or "")):
        return
    if not bucket.get("logging.logBucket"):
        report.violation(f"{bucket.label}: logging.logBucket is not set: no access logs")


POLICY = resource_policy(
    name=NAME,
    description="Buckets write usage (access) logs to a log bucket (logging.logBucket), except "
    "the log buckets themselves.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.BUCKET},
    check=check,
    remediation="Build buckets with TenantBucket, which creates <bucket>-logs and sets "
    "logging.logBucket.",
)
