"""monitoring-require-tenant-operations: a paying tenant's stack holds what operating it needs.

Alerting that notifies someone, an SLO service with its SLOs, a dashboard, uptime checks, the
Neo4j backup, the Firestore backup schedule, the Data Access audit configuration of the project
holding the tenant's data, and for a tenant with a storage quota what withdraws object creation at
100% of it (components/blocks/storage_quota.py). The audit configuration is the project's: an
enterprise tenant with a project of its own has it in its stack; every other tenant's data is in
the platform project, whose configuration the platform stack holds (one per project and service:
IAMAuditConfig is authoritative for a service on a project, so a tenant stack must not add one).
Seed 002 promises per-tier SLAs, alerts on quotas and degradation, per-tenant dashboards and
backups of every database; seed 003 asks that cross-tenant access attempts be logged and audited.
"""

from __future__ import annotations

from domain.profile import effective_profile
from domain.registry import EnterpriseTenant
from domain.tiers import Status, Tier
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView

NAME = "monitoring-require-tenant-operations"
ANCHORS = (
    tenancy("seed-002-monitoring", "Per-tier SLA, alerts, per-tenant dashboards, backups"),
    tenancy("seed-003-audit", "Logging and auditing of cross-tenant access attempts"),
)
ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
UPTIME_CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
SLO_SERVICE = "gcp:monitoring/customService:CustomService"
SLO = "gcp:monitoring/slo:Slo"
DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
CRON_JOB = "kubernetes:batch/v1:CronJob"
FIRESTORE_BACKUPS = "gcp:firestore/backupSchedule:BackupSchedule"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
DENY_POLICY = "gcp:iam/denyPolicy:DenyPolicy"
WORKFLOW = "gcp:workflows/workflow:Workflow"
OBJECT_CREATE = "storage.googleapis.com/objects.create"
# What every paying stack must hold, at least this many of each.
REQUIRED = {
    ALERT_POLICY: (1, "alert policy"),
    UPTIME_CHECK: (1, "uptime check"),
    SLO_SERVICE: (1, "SLO service"),
    SLO: (2, "SLO (availability and request success)"),
    DASHBOARD: (1, "dashboard"),
    FIRESTORE_BACKUPS: (1, "Firestore backup schedule"),
}
DATA_AUDIT_SERVICES = ("storage.googleapis.com", "cloudsql.googleapis.com")


def check(view: StackView, report: Report, config: Config) -> None:
    if view.ref.is_platform:
        _check_data_audit(view, report, f"the platform stack {view.ref.name}")
        return
    tenant = view.tenant
    if tenant is None or tenant.tier == Tier.FREE or tenant.status == Status.OFFBOARDING:
        return
    for type_token, (count, what) in REQUIRED.items():
        found = view.of_type(type_token)
        if len(found) < count:
            report.violation(f"tenant {tenant.id} has {len(found)} {what}(s); needs {count}")
    for policy in view.of_type(ALERT_POLICY):
        if not policy.get("notificationChannels"):
            report.violation(f"{policy.label}: the alert notifies nobody", policy.urn)
    backups = [
        job
        for job in view.of_type(CRON_JOB)
        if (job.get("metadata") or {}).get("name", "").endswith("-neo4j-backup")
    ]
    if not backups:
        report.violation(f"tenant {tenant.id} has no scheduled Neo4j backup")
    if effective_profile(tenant, view.facts.require_settings().temporal).storage_quota_gb:
        _check_storage_quota(view, report, tenant.id)
    if isinstance(tenant, EnterpriseTenant) and tenant.dedicated_project:
        _check_data_audit(view, report, f"tenant {tenant.id}")


def _check_data_audit(view: StackView, report: Report, who: str) -> None:
    audited = {s.get("service") for s in view.of_type(AUDIT_CONFIG)}
    for service in DATA_AUDIT_SERVICES:
        if service not in audited:
            report.violation(f"{who}: no Data Access audit logs for {service}")


def _check_storage_quota(view: StackView, report: Report, tenant_id: str) -> None:
    """At 100% of the quota something must withdraw object creation: a deny policy on it, the
    workflow that binds its tag, and an alert that tells that workflow (a Pub/Sub channel)."""
    denies = [
        policy
        for policy in view.of_type(DENY_POLICY)
        for rule in policy.get("rules") or []
        if OBJECT_CREATE in ((rule or {}).get("denyRule") or {}).get("deniedPermissions", [])
    ]
    if not denies:
        report.violation(
            f"tenant {tenant_id} has a storage quota but no deny policy on {OBJECT_CREATE}: "
            "nothing happens at 100%"
        )
    if not view.of_type(WORKFLOW):
        report.violation(
            f"tenant {tenant_id} has a storage quota but no workflow that withdraws writes"
        )
    # The channel's name is known only once it exists: the alert's dependency on it says it all.
    told = any(
        channel.get("type") == "pubsub"
        for policy in view.of_type(ALERT_POLICY)
        for channel in view.dependencies_of(policy, CHANNEL)
    )
    if not told:
        report.violation(
            f"tenant {tenant_id} has a storage quota but no alert notifies a Pub/Sub channel "
            "that enforces it"
        )


POLICY = stack_policy(
    name=NAME,
    description="A paying tenant's stack holds alert policies that notify someone, uptime checks, "
    "an SLO service with its availability and request-success SLOs, a dashboard, a scheduled "
    "Neo4j backup and a Firestore backup schedule; Data Access audit logs for Cloud Storage and "
    "Cloud SQL are enabled by the stack owning the project (the platform stack, or an enterprise "
    "tenant's stack with a project of its own); a tenant with a storage quota has the deny "
    "policy, workflow and Pub/Sub-notified alert that withdraw object creation at 100%.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Build tenants with TenantServices, which adds TenantAlerts, TenantSlo, "
    "TenantDashboard, Neo4jBackup and StorageQuota; give the environment at least one "
    "notification channel.",
)
