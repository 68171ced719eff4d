"""Alert policies for one tenant's resources (or the free pool's shared ones), each notifying the
given channels.

Metric facts (Google Cloud metrics list unless said otherwise):
- ``storage.googleapis.com/storage/total_bytes`` on ``gcs_bucket``, one series per storage class
  (an upload may choose its class), so the bucket's usage is their sum;
- ``cloudsql.googleapis.com/database/{cpu,memory,disk}/utilization`` (0..1) and
  ``database/replication/replica_lag`` (seconds) on ``cloudsql_database``, whose ``database_id``
  label is ``<project>:<instance>``;
- ``monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires`` (days) on ``uptime_url``;
- ``kubernetes.io/container/{cpu/request_cores,memory/request_bytes}`` on ``k8s_container``;
- ingress-nginx's Prometheus series ``nginx_ingress_controller_requests`` and
  ``nginx_ingress_controller_request_duration_seconds`` (ingress-nginx docs, "Prometheus and
  Grafana installation"/metrics), scraped by Managed Service for Prometheus and queried with PromQL;
- a Job that gives up emits the Kubernetes event reason ``BackoffLimitExceeded`` (Kubernetes Job
  controller), and GKE writes cluster events to Cloud Logging under ``logs/events``; a log-match
  condition needs ``alert_strategy.notification_rate_limit`` (Cloud Monitoring API, AlertPolicy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.blocks.monitoring_filters import hosts_regex, uptime_checks_clause
from components.conventions import Ownership, child

STORAGE_THRESHOLDS = (0.8, 1.0)
SQL_UTILISATION = {"cpu": 0.85, "memory": 0.9, "disk": 0.85}
REPLICA_LAG_SECONDS = 60.0
CERT_EXPIRY_DAYS = 14.0
QUOTA_SATURATION = 0.9
ERROR_RATIO = 0.05
LATENCY_P95_SECONDS = 1.0


@dataclass
class TenantAlertsArgs:
    tenant_id: str
    project: pulumi.Input[str]  # where the metrics are (the tenant's data project)
    ownership: Ownership
    notification_channels: pulumi.Input[Sequence[pulumi.Input[str]]]
    bucket_name: pulumi.Input[str] | None = None
    storage_quota_gb: int | None = None
    sql_instances: list[str] = field(default_factory=list)
    sql_replicas: list[str] = field(default_factory=list)
    namespace: str | None = None
    quota_cpu_cores: float | None = None
    quota_memory_bytes: float | None = None
    hosts: list[str] = field(default_factory=list)
    uptime_check_ids: list[pulumi.Input[str]] = field(default_factory=list)
    migration_job_prefix: str | None = None
    # Also told at 100% of the storage quota: the channel that withdraws object creation.
    quota_enforcement_channels: list[pulumi.Input[str]] = field(default_factory=list)


def quantity(value: str) -> float:
    """A Kubernetes quantity (``8``, ``500m``, ``16Gi``) as a number of cores or bytes."""
    units = {
        "m": 1e-3,
        "Ki": 2**10,
        "Mi": 2**20,
        "Gi": 2**30,
        "Ti": 2**40,
        "k": 1e3,
        "M": 1e6,
        "G": 1e9,
    }
    for suffix in sorted(units, key=len, reverse=True):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * units[suffix]
    return float(value)


class TenantAlerts(pulumi.ComponentResource):
    policies: list[gcp.monitoring.AlertPolicy]

    def __init__(
        self, name: str, args: TenantAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantAlerts", name, {}, opts)
        self._name, self._args = name, args
        self.policies = []
        if args.bucket_name is not None and args.storage_quota_gb:
            for share in STORAGE_THRESHOLDS:
                self._threshold(
                    f"storage-{int(share * 100)}",
                    f"storage at {int(share * 100)}% of its {args.storage_quota_gb} GB quota",
                    pulumi.Output.concat(
                        'resource.type = "gcs_bucket" AND resource.labels.bucket_name = "',
                        args.bucket_name,
                        '" AND metric.type = "storage.googleapis.com/storage/total_bytes"',
                    ),
                    share * args.storage_quota_gb * 1024**3,
                    "ALIGN_MAX",
                    sum_by="resource.label.bucket_name",
                    severity="CRITICAL" if share >= 1 else "WARNING",
                    extra_channels=args.quota_enforcement_channels if share >= 1 else [],
                )
        for resource, limit in SQL_UTILISATION.items():
            for instance in args.sql_instances:
                self._threshold(
                    f"{instance}-{resource}",
                    f"Cloud SQL {instance} {resource} above {int(limit * 100)}%",
                    self._sql_filter(instance, f"database/{resource}/utilization"),
                    limit,
                    "ALIGN_MEAN",
                )
        for replica in args.sql_replicas:
            self._threshold(
                f"{replica}-lag",
                f"Cloud SQL replica {replica} more than {int(REPLICA_LAG_SECONDS)} s behind",
                self._sql_filter(replica, "database/replication/replica_lag"),
                REPLICA_LAG_SECONDS,
                "ALIGN_MAX",
            )
        if args.uptime_check_ids:
            ids = uptime_checks_clause(args.uptime_check_ids)
            self._threshold(
                "certificate-expiry",
                f"TLS certificate expires within {int(CERT_EXPIRY_DAYS)} days",
                ids.apply(
                    lambda clause: (
                        'metric.type = "monitoring.googleapis.com/uptime_check/'
                        'time_until_ssl_cert_expires" AND resource.type = "uptime_url" '
                        f"AND ({clause})"
                    )
                ),
                CERT_EXPIRY_DAYS,
                "ALIGN_MIN",
                comparison="COMPARISON_LT",
            )
        if args.namespace and args.quota_cpu_cores:
            self._quota("cpu", "cpu/request_cores", args.quota_cpu_cores)
        if args.namespace and args.quota_memory_bytes:
            self._quota("memory", "memory/request_bytes", args.quota_memory_bytes)
        if args.hosts:
            self._ingress_alerts()
        if args.namespace and args.migration_job_prefix:
            self._migration_failure()
        self.register_outputs({"policies": [p.name for p in self.policies]})

    def _sql_filter(self, instance: str, metric: str) -> pulumi.Output[str]:
        return pulumi.Output.concat(
            'resource.type = "cloudsql_database" AND resource.labels.database_id = "',
            self._args.project,
            f':{instance}" AND metric.type = "cloudsql.googleapis.com/{metric}"',
        )

    def _policy(
        self,
        key: str,
        title: str,
        condition: gcp.monitoring.AlertPolicyConditionArgs,
        severity: str = "WARNING",
        strategy: gcp.monitoring.AlertPolicyAlertStrategyArgs | None = None,
        extra_channels: Sequence[pulumi.Input[str]] = (),
    ) -> None:
        args = self._args
        channels: pulumi.Input[Sequence[pulumi.Input[str]]] = args.notification_channels
        if extra_channels:
            channels = pulumi.Output.all(
                pulumi.Output.from_input(args.notification_channels), *extra_channels
            ).apply(lambda found: [*found[0], *found[1:]])
        self.policies.append(
            gcp.monitoring.AlertPolicy(
                f"{self._name}-{key}",
                project=args.project,
                display_name=f"{args.tenant_id}: {title}",
                combiner="OR",
                conditions=[condition],
                notification_channels=channels,
                severity=severity,
                alert_strategy=strategy,
                user_labels=args.ownership.gcp_labels(),
                opts=child(self),
            )
        )

    def _threshold(
        self,
        key: str,
        title: str,
        metric_filter: pulumi.Input[str],
        threshold: float,
        aligner: str,
        comparison: str = "COMPARISON_GT",
        severity: str = "WARNING",
        extra_channels: Sequence[pulumi.Input[str]] = (),
        sum_by: str | None = None,  # add the series up per value of this label
    ) -> None:
        self._policy(
            key,
            title,
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=title,
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=metric_filter,
                    comparison=comparison,
                    threshold_value=threshold,
                    duration="300s",
                    aggregations=[
                        gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                            alignment_period="300s",
                            per_series_aligner=aligner,
                            cross_series_reducer="REDUCE_SUM" if sum_by else None,
                            group_by_fields=[sum_by] if sum_by else None,
                        )
                    ],
                ),
            ),
            severity=severity,
            extra_channels=extra_channels,
        )

    def _quota(self, resource: str, metric: str, quota: float) -> None:
        args = self._args
        self._policy(
            f"quota-{resource}",
            f"namespace {args.namespace} {resource} requests at "
            f"{int(QUOTA_SATURATION * 100)}% of quota",
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=f"{resource} requests near the namespace quota",
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=(
                        f'metric.type = "kubernetes.io/container/{metric}" AND '
                        f'resource.type = "k8s_container" AND '
                        f'resource.labels.namespace_name = "{args.namespace}"'
                    ),
                    comparison="COMPARISON_GT",
                    threshold_value=QUOTA_SATURATION * quota,
                    duration="600s",
                    aggregations=[
                        gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                            alignment_period="300s",
                            per_series_aligner="ALIGN_MEAN",
                            cross_series_reducer="REDUCE_SUM",
                            group_by_fields=["resource.labels.namespace_name"],
                        )
                    ],
                ),
            ),
        )

    def _ingress_alerts(self) -> None:
        hosts = hosts_regex(self._args.hosts)
        requests = f'nginx_ingress_controller_requests{{host=~"{hosts}"'
        error_ratio = (
            f'sum(rate({requests},status=~"5.."}}[5m])) / sum(rate({requests}}}[5m])) '
            f"> {ERROR_RATIO}"
        )
        latency = (
            "histogram_quantile(0.95, sum by (le) (rate("
            f'nginx_ingress_controller_request_duration_seconds_bucket{{host=~"{hosts}"}}[5m]))) '
            f"> {LATENCY_P95_SECONDS}"
        )
        for key, title, query in (
            ("ingress-errors", f"more than {int(ERROR_RATIO * 100)}% server errors", error_ratio),
            ("ingress-latency", f"p95 latency above {LATENCY_P95_SECONDS} s", latency),
        ):
            self._policy(
                key,
                title,
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=title,
                    condition_prometheus_query_language=gcp.monitoring.AlertPolicyConditionConditionPrometheusQueryLanguageArgs(
                        query=query, duration="300s", evaluation_interval="60s"
                    ),
                ),
            )

    def _migration_failure(self) -> None:
        args = self._args
        self._policy(
            "migration-failed",
            "database migration Job failed",
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name="migration Job gave up (BackoffLimitExceeded)",
                condition_matched_log=gcp.monitoring.AlertPolicyConditionConditionMatchedLogArgs(
                    filter=(
                        'log_id("events") AND jsonPayload.reason = "BackoffLimitExceeded" AND '
                        f'jsonPayload.involvedObject.namespace = "{args.namespace}" AND '
                        f'jsonPayload.involvedObject.name =~ "^{args.migration_job_prefix}"'
                    )
                ),
            ),
            severity="ERROR",
            strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(
                notification_rate_limit=gcp.monitoring.AlertPolicyAlertStrategyNotificationRateLimitArgs(
                    period="3600s"
                ),
                auto_close="86400s",
            ),
        )
