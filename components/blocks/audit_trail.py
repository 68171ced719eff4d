"""The audit trail of one project: Data Access audit logs for the services that hold tenant data,
and cross-tenant access attempts made visible as log-based metrics, each with an alert.

Sources:
- Data Access audit logs are off by default (except BigQuery) and are enabled per service with an
  ``auditConfigs`` entry of ``DATA_READ``/``DATA_WRITE`` log types: Cloud Audit Logs docs,
  "Enable Data Access audit logs"; pulumi-gcp ``projects.IAMAuditConfig``.
- PostgreSQL refuses a row that fails a row-level security ``WITH CHECK`` with the message
  ``new row violates row-level security policy for table "..."`` (PostgreSQL 15 source,
  ``src/backend/executor/execMain.c``); Cloud SQL ships the server log to Cloud Logging as
  ``cloudsql.googleapis.com/postgres.log``.
- A refused API call is logged with ``protoPayload.status.code = 7`` (PERMISSION_DENIED, the
  google.rpc.Code enum) in the Admin Activity / Data Access audit logs.
- GKE Dataplane V2 writes network policy decisions to the ``policy-action`` log when the
  cluster's ``NetworkLogging`` object named ``default`` asks for them (``spec.cluster.deny.log``):
  GKE docs, "Use network policy logging" (Dataplane V2 only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.conventions import Ownership, child

DATA_SERVICES = (
    "storage.googleapis.com",
    "cloudsql.googleapis.com",
    "datastore.googleapis.com",  # Firestore's audit logs are logged under the Datastore API
    "secretmanager.googleapis.com",
)

# key -> (what it counts, filter, label extracted to say who)
CROSS_TENANT_SIGNALS = {
    "rls-write-denied": (
        "Rows refused by row-level security (a write for another tenant)",
        'log_id("cloudsql.googleapis.com/postgres.log") AND '
        'textPayload:"violates row-level security policy"',
        ("database", "EXTRACT(resource.labels.database_id)"),
    ),
    "iam-denied": (
        "API calls a tenant workload was refused (PERMISSION_DENIED)",
        "protoPayload.status.code = 7 AND "
        'protoPayload.authenticationInfo.principalEmail =~ "-workload@"',
        ("principal", "EXTRACT(protoPayload.authenticationInfo.principalEmail)"),
    ),
    "netpol-denied": (
        "Connections refused by a NetworkPolicy",
        'log_id("policy-action") AND jsonPayload.disposition = "deny"',
        ("source_namespace", "EXTRACT(jsonPayload.src.pod_namespace)"),
    ),
}


@dataclass
class AuditTrailArgs:
    project: pulumi.Input[str]
    ownership: Ownership
    notification_channels: pulumi.Input[Sequence[pulumi.Input[str]]]
    cluster_providers: list[pulumi.ProviderResource] = field(default_factory=list)
    scope: str = "platform"


class AuditTrail(pulumi.ComponentResource):
    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:AuditTrail", name, {}, opts)
        for service in DATA_SERVICES:
            gcp.projects.IAMAuditConfig(
                f"{name}-audit-{service.split('.')[0]}",
                project=args.project,
                service=service,
                audit_log_configs=[
                    gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ"),
                    gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_WRITE"),
                ],
                opts=child(self),
            )
        for key, (description, log_filter, (label, extractor)) in CROSS_TENANT_SIGNALS.items():
            metric = gcp.logging.Metric(
                f"{name}-{key}",
                project=args.project,
                name=f"tenancy/{args.scope}/{key}",
                description=description,
                filter=log_filter,
                metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                    metric_kind="DELTA",
                    value_type="INT64",
                    labels=[
                        gcp.logging.MetricMetricDescriptorLabelArgs(key=label, value_type="STRING")
                    ],
                ),
                label_extractors={label: extractor},
                opts=child(self),
            )
            gcp.monitoring.AlertPolicy(
                f"{name}-{key}-alert",
                project=args.project,
                display_name=f"{args.scope}: {description.lower()}",
                combiner="OR",
                conditions=[
                    gcp.monitoring.AlertPolicyConditionArgs(
                        display_name=description,
                        condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                            filter=metric.name.apply(
                                lambda n: f'metric.type = "logging.googleapis.com/user/{n}"'
                            ),
                            comparison="COMPARISON_GT",
                            threshold_value=0,
                            duration="0s",
                            aggregations=[
                                gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                    alignment_period="300s", per_series_aligner="ALIGN_SUM"
                                )
                            ],
                        ),
                    )
                ],
                notification_channels=args.notification_channels,
                severity="CRITICAL",
                user_labels=args.ownership.gcp_labels(),
                opts=child(self),
            )
        for index, provider in enumerate(args.cluster_providers):
            # GKE creates this object in every Dataplane V2 cluster: patch it (server-side apply)
            # rather than create it; pulumi-kubernetes docs, "Patch resources".
            k8s.apiextensions.CustomResourcePatch(
                f"{name}-network-logging-{index}",
                api_version="networking.gke.io/v1alpha1",
                kind="NetworkLogging",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name="default",
                    annotations={"pulumi.com/patchForce": "true"},
                ),
                spec={
                    "cluster": {
                        "allow": {"log": False, "delegate": False},
                        "deny": {"log": True, "delegate": False},
                    }
                },
                opts=child(self, provider=provider),
            )
        self.register_outputs({})
