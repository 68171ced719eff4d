"""sql-require-backups-and-pitr: every primary instance can be restored to a point in time."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.sql import is_replica
from policies.lib.values import as_bool

NAME = "sql-require-backups-and-pitr"
ANCHORS = (
    checkov(
        "CKV_GCP_14", "Ensure all Cloud SQL database instance have backup configuration enabled"
    ),
)


def check(instance: Subject, report: Report, config: Config) -> None:
    if is_replica(instance):
        return
    if as_bool(instance.get("settings.backupConfiguration.enabled")) is not True:
        report.violation(f"{instance.label}: settings.backupConfiguration.enabled must be true")
    if as_bool(instance.get("settings.backupConfiguration.pointInTimeRecoveryEnabled")) is not True:
        report.violation(
            f"{instance.label}: settings.backupConfiguration.pointInTimeRecoveryEnabled must be "
            "true"
        )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL primary instances have automated backups and point-in-time recovery "
    "(replicas excepted).",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    remediation="Set settings.backupConfiguration.enabled = true and pointInTimeRecoveryEnabled = "
    "true.",
)
