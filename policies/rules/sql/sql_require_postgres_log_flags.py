"""sql-require-postgres-log-flags: PostgreSQL logs connections, locks and temp files."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import POSTGRES_FLAGS, Config
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.sql import database_flags, is_postgres

NAME = "sql-require-postgres-log-flags"
ANCHORS = (
    checkov("CKV_GCP_51", "Ensure PostgreSQL database 'log_checkpoints' flag is set to 'on'"),
    checkov("CKV_GCP_52", "Ensure PostgreSQL database 'log_connections' flag is set to 'on'"),
    checkov("CKV_GCP_53", "Ensure PostgreSQL database 'log_disconnections' flag is set to 'on'"),
    checkov("CKV_GCP_54", "Ensure PostgreSQL database 'log_lock_waits' flag is set to 'on'"),
    checkov("CKV_GCP_56", "Ensure PostgreSQL database 'log_temp_files flag is set to '0'"),
    checkov(
        "CKV_GCP_57", "Ensure PostgreSQL database 'log_min_duration_statement' flag is set to '-1'"
    ),
)
KNOBS = (POSTGRES_FLAGS,)


def check(instance: Subject, report: Report, config: Config) -> None:
    if not is_postgres(instance):
        return
    flags = database_flags(instance)
    for name, expected in dict(config["requiredFlags"]).items():
        actual = flags.get(name)
        if actual is None:
            report.violation(
                f"{instance.label}: database flag {name} is not set (expected {expected!r})"
            )
        elif actual.lower() != str(expected).lower():
            report.violation(
                f"{instance.label}: database flag {name} is {actual!r}, expected {expected!r}"
            )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL PostgreSQL instances set the logging flags (checkpoints, connections, "
    "disconnections, lock waits, temp files, min duration statement).",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    knobs=KNOBS,
    remediation="Add the flags to settings.databaseFlags; the expected values are the policy's "
    "requiredFlags knob.",
)
