"""docs/operations.md's per-tier table, read off the offline plan of the sample registry, so the
table says what the program really builds for a typical tenant of each tier."""

from __future__ import annotations

from domain.plan_model import Plan, PlanResource, PlanStack
from domain.tiers import PROFILES, Tier

ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
SLO = "gcp:monitoring/slo:Slo"
UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
FIRESTORE_BACKUPS = "gcp:firestore/backupSchedule:BackupSchedule"
CRON_JOB = "kubernetes:batch/v1:CronJob"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
LOG_METRIC = "gcp:logging/metric:Metric"
RATE_LIMIT = "nginx.ingress.kubernetes.io/global-rate-limit"
DENY = "gcp:iam/denyPolicy:DenyPolicy"
WORKFLOW = "gcp:workflows/workflow:Workflow"
GiB = 1024**3


def _of(stack: PlanStack, type_token: str, owner: str | None = None) -> list[PlanResource]:
    return [
        r
        for r in stack.resources
        if r.type == type_token and (owner is None or f"::{owner}-" in r.urn)
    ]


def _alert_kinds(alerts: list[PlanResource]) -> str:
    kinds = set()
    for alert in alerts:
        title = alert.inputs.get("displayName", "").split(": ", 1)[-1]
        for word, kind in (
            ("storage", "storage 80/100%"),
            ("Cloud SQL replica", "replica lag"),
            ("Cloud SQL", "Cloud SQL CPU/memory/disk"),
            ("certificate", "certificate expiry"),
            ("server errors", "ingress errors"),
            ("latency", "ingress latency"),
            ("namespace", "quota saturation"),
            ("migration", "migration Job failed"),
            ("SLO", "SLO burn rate"),
            ("refused", "cross-tenant attempts"),
        ):
            if word in title:
                kinds.add(kind)
                break
    return ", ".join(sorted(kinds)) or "—"


def _retention_days(resource: PlanResource) -> str:
    seconds = str(resource.inputs.get("retention", "0s")).rstrip("s")
    return f"{int(seconds) // 86400} days" if seconds.isdigit() else "—"


def _neo4j_backup(stack: PlanStack) -> str:
    jobs = [j for j in _of(stack, CRON_JOB) if j.inputs["metadata"]["name"].endswith("-backup")]
    if not jobs:
        return "—"
    spec = jobs[0].inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    if spec.get("command", [""])[0] == "neo4j-admin":
        return "online `neo4j-admin database backup` to the tenant bucket, daily"
    env = {e["name"]: e.get("value") for e in spec.get("env", [])}
    return f"CSI volume snapshot, daily, kept {env.get('RETENTION_DAYS')} days"


def _notified(stack: PlanStack) -> str:
    # People's channels; a Pub/Sub channel feeds a machine (the storage quota's enforcement).
    own = [c for c in _of(stack, CHANNEL) if c.inputs.get("type") != "pubsub"]
    if not own:
        return "the platform's on-call"
    if any(c.inputs.get("project") != own[0].inputs.get("project") for c in own):
        return f"the platform's on-call + {len(own)} of its own"
    tenant_own = [c for c in own if "-oncall-tenant-" in c.urn]
    return (
        f"{len(own)} channels in its own project: the platform's on-call and "
        f"{len(tenant_own)} of the tenant's"
    )


def _storage_quota(stack: PlanStack) -> str:
    """What happens at 100% of the storage quota, read off the stack's plan."""
    full = [a for a in _of(stack, ALERT) if a.name.endswith("-storage-100")]
    if not full:
        return "unlimited: nothing is withdrawn (an override adds the enforcement)"
    threshold = full[0].inputs["conditions"][0]["conditionThreshold"]["thresholdValue"]
    denied = [
        permission
        for policy in _of(stack, DENY)
        for rule in policy.inputs["rules"]
        for permission in rule["denyRule"]["deniedPermissions"]
    ]
    if not denied or not _of(stack, WORKFLOW):
        return f"{threshold / GiB:g} GB: alerted only"
    return (
        f"{threshold / GiB:g} GB: `{', '.join(denied)}` denied to the tenant's identity "
        "until usage falls back"
    )


def operations_markdown(plan: Plan) -> str:
    platform = plan.stack("dev")
    if platform is None:
        raise ValueError("the sample plan has no platform stack 'dev'")
    rows: dict[str, list[str]] = {}
    free_alerts = _of(platform, ALERT, "dev-free-pool-alerts")
    audit = _of(platform, AUDIT)
    free_limits = next(r for r in _of(platform, CONFIG_MAP) if r.name.endswith("-limits"))
    rows["free"] = [
        "best effort (no SLO)",
        f"{len(free_alerts)} on the shared pool: {_alert_kinds(free_alerts)}",
        "—",
        "the platform's",
        f"{PROFILES[Tier.FREE].backup_retention_days} days (shared instance and database)",
        "— (no Neo4j)",
        f"{free_limits.inputs['data']['api_rate_limit_per_min']}/min per tenant "
        "(shared gateway, from its limits ConfigMap)",
        f"{free_limits.inputs['data']['ai_tokens_per_month']} tokens/month, "
        f"{free_limits.inputs['data']['max_concurrency']} concurrent",
        f"{free_limits.inputs['data']['storage_quota_gb']} GB per tenant: the shared services "
        "refuse its uploads (from its limits ConfigMap)",
        f"platform project: {len(audit)} services, {len(_of(platform, LOG_METRIC))} signals",
    ]
    for tier in (Tier.STANDARD, Tier.ENTERPRISE):
        stack = next((s for s in plan.stacks if s.tier == tier.value), None)
        if stack is None:
            continue
        slos = _of(stack, SLO)
        alerts = _of(stack, ALERT)
        ingress = _of(stack, INGRESS)[0]
        limit = (ingress.inputs["metadata"].get("annotations") or {}).get(RATE_LIMIT)
        config = next(r for r in _of(stack, CONFIG_MAP) if r.name.endswith("-app-values"))
        primary = next(r for r in _of(stack, SQL) if not r.inputs.get("masterInstanceName"))
        sql = primary.inputs["settings"]["backupConfiguration"]
        kept = sql.get("backupRetentionSettings", {}).get("retainedBackups")
        firestore = _of(stack, FIRESTORE_BACKUPS)
        exports = [
            j for j in _of(stack, CRON_JOB) if j.inputs["metadata"]["name"].endswith("-export")
        ]
        tenant_audit = _of(stack, AUDIT)
        rows[tier.value] = [
            f"{slos[0].inputs['goal'] * 100:g}% ({len(slos)} SLOs, `{stack.name}`)"
            if slos
            else "—",
            f"{len(alerts)}: {_alert_kinds(alerts)}",
            f"{len(_of(stack, UPTIME))} uptime check(s), 1 dashboard"
            if _of(stack, DASHBOARD)
            else "—",
            _notified(stack),
            f"{kept} daily backups + PITR; Firestore {_retention_days(firestore[0])}"
            + (" + weekly exports" if exports else ""),
            _neo4j_backup(stack),
            f"{limit}/min per host at the edge" if limit else "none at the edge (custom)",
            f"{config.inputs['data']['AI_TOKENS_PER_MONTH']} tokens/month, "
            f"{config.inputs['data']['MAX_CONCURRENCY']} concurrent",
            _storage_quota(stack),
            f"own project: {len(tenant_audit)} services, {len(_of(stack, LOG_METRIC))} signals"
            if tenant_audit
            else "in the platform project",
        ]
    headers = [
        "SLO",
        "alerts",
        "checks and dashboard",
        "notified",
        "PostgreSQL and Firestore backups",
        "Neo4j backups",
        "API rate limit",
        "AI and concurrency caps",
        "storage quota at 100%",
        "audit trail",
    ]
    lines = ["| | " + " | ".join(rows) + " |", "|---|" + "---|" * len(rows)]
    for index, header in enumerate(headers):
        lines.append(f"| {header} | " + " | ".join(r[index] for r in rows.values()) + " |")
    return "\n".join(lines) + "\n"
