"""sql-require-pgaudit: Cloud SQL PostgreSQL instances load pgAudit and give it something to log.

Cloud SQL's pgAudit takes three steps (https://cloud.google.com/sql/docs/postgres/pg-audit): the
flag ``cloudsql.enable_pgaudit=on``, ``CREATE EXTENSION pgaudit`` in the database (migration
0006) and the flag ``pgaudit.log``, whose default ``none`` logs nothing. This policy checks the two
flags; the migration's tests check the extension.
"""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.sql import database_flags, is_postgres

NAME = "sql-require-pgaudit"
ANCHORS = (
    checkov("CKV_GCP_110", "Ensure pgAudit is enabled for your GCP PostgreSQL database"),
    checkov("CKV_GCP_111", "Ensure GCP PostgreSQL logs SQL statements"),
    tenancy("seed-003-audit", "Logging and auditing of cross-tenant access attempts"),
)


def check(instance: Subject, report: Report, config: Config) -> None:
    if not is_postgres(instance):
        return
    flags = database_flags(instance)
    enabled = flags.get("cloudsql.enable_pgaudit")
    if (enabled or "").lower() != "on":
        report.violation(
            f"{instance.label}: database flag cloudsql.enable_pgaudit is "
            f"{'not set' if enabled is None else repr(enabled)}: pgAudit is not loaded"
        )
    classes = flags.get("pgaudit.log")
    if classes is None or classes.strip().lower() in ("", "none"):
        report.violation(
            f"{instance.label}: database flag pgaudit.log is "
            f"{'not set' if classes is None else repr(classes)}: pgAudit logs nothing"
        )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL PostgreSQL instances load pgAudit (cloudsql.enable_pgaudit on) and set "
    "pgaudit.log to something other than none; migration 0006 creates the extension.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    remediation="Add cloudsql.enable_pgaudit=on and pgaudit.log (for example ddl,role,write) to "
    "settings.databaseFlags (PostgresSet's POSTGRES_FLAGS).",
)
