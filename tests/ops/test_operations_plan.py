"""Operating the tenants, read off the offline plan of the sample registry: every paying tenant's
alerts notify someone, its SLOs carry its tier's (or its own) target, its databases are backed up
for its retention, and each limit reaches the mechanism that enforces it with the tier's value
or the tenant's override."""

from __future__ import annotations

import json

import pytest
from support import of_type

from domain.plan_model import Plan, PlanStack
from domain.tiers import PROFILES, Tier

ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
SLO = "gcp:monitoring/slo:Slo"
UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
CRON_JOB = "kubernetes:batch/v1:CronJob"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
LOG_METRIC = "gcp:logging/metric:Metric"
RATE_LIMIT = "nginx.ingress.kubernetes.io/global-rate-limit"
PAYING = ("dev.coinbase", "dev.amovil", "dev.stripe", "dev.robinhood")


def stack(plan: Plan, name: str) -> PlanStack:
    found = plan.stack(name)
    assert found is not None, name
    return found


def app_config(stack: PlanStack) -> dict[str, str]:
    """The values the application reads (its ConfigMap)."""
    (values,) = [r for r in of_type(stack, CONFIG_MAP) if r.name.endswith("-app-values")]
    return values.inputs["data"]


@pytest.mark.parametrize("name", PAYING)
def test_every_alert_of_a_paying_tenant_notifies_someone(sample_plan, name) -> None:
    alerts = of_type(stack(sample_plan, name), ALERT)
    assert len(alerts) >= 10, "storage, Cloud SQL, ingress, quota, migration and SLO alerts"
    for alert in alerts:
        channels = alert.inputs.get("notificationChannels")
        assert channels, f"{alert.urn} notifies nobody"
        assert all(c.startswith("projects/") for c in channels)


def test_standard_tenants_are_told_through_the_platform_channels(sample_plan) -> None:
    platform = stack(sample_plan, "dev")
    platform_ids = {
        f"projects/tinybug-saas-dev/notificationChannels/{c.name}"
        for c in of_type(platform, CHANNEL)
    }
    assert len(platform_ids) == 2
    coinbase = stack(sample_plan, "dev.coinbase")
    # Its own channels feed machines only (the storage quota's enforcement, a Pub/Sub topic).
    machines = {
        f"projects/tinybug-saas-dev/notificationChannels/{c.name}"
        for c in of_type(coinbase, CHANNEL)
    }
    assert {c.inputs["type"] for c in of_type(coinbase, CHANNEL)} == {"pubsub"}
    for alert in of_type(coinbase, ALERT):
        assert set(alert.inputs["notificationChannels"]) - machines == platform_ids


def test_a_dedicated_project_gets_its_own_channels_and_the_tenants_oncall(sample_plan) -> None:
    robinhood = stack(sample_plan, "dev.robinhood")
    channels = of_type(robinhood, CHANNEL)
    assert {c.inputs["type"] for c in channels} == {"email", "slack", "pagerduty"}
    assert {c.inputs["project"] for c in channels} == {"dev-robinhood"} or all(
        c.inputs["project"] != "tinybug-saas-dev" for c in channels
    )
    for alert in of_type(robinhood, ALERT):
        assert len(alert.inputs["notificationChannels"]) == len(channels)


def test_channel_tokens_stay_out_of_the_plan(sample_plan) -> None:
    text = json.dumps(sample_plan.to_dict())
    assert "offline-secret" not in text
    for name in ("dev", "dev.robinhood"):
        for channel in of_type(stack(sample_plan, name), CHANNEL):
            if channel.inputs["type"] != "email":
                assert channel.inputs["sensitiveLabels"] == "[secret]" or all(
                    v == "[secret]" for v in channel.inputs["sensitiveLabels"].values()
                )


@pytest.mark.parametrize(
    ("name", "goal"),
    [
        ("dev.coinbase", PROFILES[Tier.STANDARD].slo_target_percent / 100),
        ("dev.robinhood", 0.9995),  # its own target, limits.slo_target_percent
    ],
)
def test_slos_carry_the_tier_target_or_the_tenants_own(sample_plan, name, goal) -> None:
    slos = of_type(stack(sample_plan, name), SLO)
    assert {s.inputs["sloId"] for s in slos} == {"availability", "request-success"}
    assert [s.inputs["goal"] for s in slos] == [pytest.approx(goal)] * 2
    burn = [a for a in of_type(stack(sample_plan, name), ALERT) if "burn" in a.name]
    assert len(burn) == 2
    for alert in burn:
        filters = [c["conditionThreshold"]["filter"] for c in alert.inputs["conditions"]]
        assert all(f.startswith("select_slo_burn_rate(") for f in filters)


@pytest.mark.parametrize("name", PAYING)
def test_every_host_has_an_uptime_check_and_the_tenant_a_dashboard(sample_plan, name) -> None:
    tenant = stack(sample_plan, name)
    hosts = app_config(tenant)["PUBLIC_HOSTS"].split(",")
    checked = {u.inputs["monitoredResource"]["labels"]["host"] for u in of_type(tenant, UPTIME)}
    assert checked == set(hosts)
    (dashboard,) = of_type(tenant, DASHBOARD)
    body = json.loads(dashboard.inputs["dashboardJson"])
    assert body["mosaicLayout"]["tiles"], "an empty dashboard"


def _backup_job(tenant: PlanStack) -> dict:
    (job,) = [
        j for j in of_type(tenant, CRON_JOB) if j.inputs["metadata"]["name"].endswith("-backup")
    ]
    return job.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_standard_neo4j_is_snapshotted_and_enterprise_backed_up_online(sample_plan) -> None:
    standard = _backup_job(stack(sample_plan, "dev.coinbase"))
    (container,) = standard["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["PVC"] == "data-coinbase-neo4j-0"
    assert env["RETENTION_DAYS"] == str(PROFILES[Tier.STANDARD].backup_retention_days)
    enterprise = _backup_job(stack(sample_plan, "dev.robinhood"))
    (container,) = enterprise["containers"]
    assert container["command"] == ["neo4j-admin", "database", "backup"]
    assert any(a.startswith("--to-path=gs://") for a in container["args"])
    assert container["args"][0].count(":6362") == 3, "every cluster member is a backup source"


def test_backups_are_kept_for_the_tenants_retention(sample_plan) -> None:
    bucket = next(
        r
        for r in stack(sample_plan, "dev.robinhood").resources
        if r.type == "gcp:storage/bucket:Bucket" and r.name == "robinhood-uploads-bucket"
    )
    kept = {
        tuple(rule["condition"].get("matchesPrefixes", [])): rule["condition"].get("age")
        for rule in bucket.inputs["lifecycleRules"]
    }
    assert kept[("neo4j-backups/",)] == 365
    # Firestore keeps scheduled backups 14 weeks; a year needs the exports.
    assert kept[("firestore-exports/",)] == 365
    exports = [
        j
        for j in of_type(stack(sample_plan, "dev.robinhood"), CRON_JOB)
        if j.inputs["metadata"]["name"].endswith("-export")
    ]
    assert len(exports) == 1
    coinbase = [
        j
        for j in of_type(stack(sample_plan, "dev.coinbase"), CRON_JOB)
        if j.inputs["metadata"]["name"].endswith("-export")
    ]
    assert coinbase == [], "30 days fit in Firestore's own schedule"


def _rate_limit(tenant: PlanStack) -> str | None:
    (ingress,) = of_type(tenant, INGRESS)
    return (ingress.inputs["metadata"].get("annotations") or {}).get(RATE_LIMIT)


def test_api_rate_limits_reach_the_edge_with_the_tier_value_or_the_override(sample_plan) -> None:
    assert _rate_limit(stack(sample_plan, "dev.coinbase")) == str(
        PROFILES[Tier.STANDARD].api_rate_limit_per_min
    )
    assert _rate_limit(stack(sample_plan, "dev.robinhood")) == "20000"  # its override
    (ingress,) = of_type(stack(sample_plan, "dev.coinbase"), INGRESS)
    annotations = ingress.inputs["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/global-rate-limit-key"] == "$host"


def test_free_limits_and_caps_reach_the_shared_services(sample_plan) -> None:
    limits = {
        r.inputs["data"]["tenant_id"]: r.inputs["data"]
        for r in of_type(stack(sample_plan, "dev"), CONFIG_MAP)
        if r.name.endswith("-limits")
    }
    assert set(limits) == {"afijo", "chogar"}
    free = PROFILES[Tier.FREE]
    for data in limits.values():
        assert data["api_rate_limit_per_min"] == str(free.api_rate_limit_per_min)
        assert data["ai_tokens_per_month"] == str(free.ai_tokens_per_month)
        assert data["max_concurrency"] == str(free.max_concurrency)


def test_usage_caps_reach_paying_tenants_with_the_override(sample_plan) -> None:
    coinbase = app_config(stack(sample_plan, "dev.coinbase"))
    assert coinbase["AI_TOKENS_PER_MONTH"] == str(PROFILES[Tier.STANDARD].ai_tokens_per_month)
    assert coinbase["TEMPORAL_MAX_CONCURRENT_ACTIVITIES"] == str(
        PROFILES[Tier.STANDARD].max_concurrency
    )
    robinhood = app_config(stack(sample_plan, "dev.robinhood"))
    assert robinhood["AI_TOKENS_PER_MONTH"] == "80000000"


def test_cross_tenant_attempts_are_counted_and_alerted(sample_plan) -> None:
    for name in ("dev", "dev.robinhood"):
        tenant = stack(sample_plan, name)
        metrics = {m.inputs["name"].rsplit("/", 1)[-1] for m in of_type(tenant, LOG_METRIC)}
        assert metrics == {"rls-write-denied", "iam-denied", "netpol-denied"}
        audited = {a.inputs["service"] for a in of_type(tenant, AUDIT)}
        assert {"storage.googleapis.com", "cloudsql.googleapis.com"} <= audited
        alerted = [a for a in of_type(tenant, ALERT) if "denied" in a.name]
        assert len(alerted) == 3


def test_the_observer_group_reads_only_the_tenants_own_project(sample_plan) -> None:
    grants = [
        r
        for r in stack(sample_plan, "dev.robinhood").resources
        if r.type == "gcp:projects/iAMMember:IAMMember"
        and r.inputs.get("member") == "group:cloud-observers@robinhood.example"
    ]
    assert {g.inputs["role"] for g in grants} == {"roles/monitoring.viewer", "roles/logging.viewer"}
    assert all(g.inputs["project"] != "tinybug-saas-dev" for g in grants)
