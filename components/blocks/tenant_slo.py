"""A tenant's service level: uptime checks of its hosts, a Cloud Monitoring service with two SLOs
(availability from the uptime checks, request success from the ingress metrics) and multiwindow
burn-rate alerts on each.

Sources:
- Uptime metrics ``monitoring.googleapis.com/uptime_check/check_passed`` (BOOL, label
  ``check_id``) on resource ``uptime_url``: Google Cloud metrics list, "uptime_check".
- A windows-based SLI's ``good_bad_metric_filter`` takes a BOOL time series: Cloud Monitoring
  API, ServiceLevelObjective / WindowsBasedSli.
- Request-based SLIs need DELTA or CUMULATIVE series; Managed Service for Prometheus stores the
  ingress-nginx counter ``nginx_ingress_controller_requests`` as
  ``prometheus.googleapis.com/nginx_ingress_controller_requests/counter`` (CUMULATIVE): GMP
  docs, "Prometheus metric names in Cloud Monitoring".
- Burn-rate conditions use ``select_slo_burn_rate(SLO, LOOKBACK)``; the two windows (1 h at 14.4x,
  6 h at 6x: 2% and 5% of a 30-day budget) are the Google SRE workbook's multiwindow,
  multi-burn-rate alerts ("Alerting on SLOs"); Cloud Monitoring docs, "Alerting on your burn rate".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.blocks.monitoring_filters import uptime_checks_clause
from components.conventions import Ownership, child

ROLLING_DAYS = 30
# (lookback, burn rate): spending 2% of the budget in an hour, or 5% in six hours, pages.
BURN_RATE_WINDOWS = (("3600s", 14.4), ("21600s", 6.0))
HEALTH_PATH = "/healthz"
INGRESS_REQUESTS = "prometheus.googleapis.com/nginx_ingress_controller_requests/counter"


@dataclass
class TenantSloArgs:
    tenant_id: str
    project: pulumi.Input[str]  # where the uptime checks and SLOs live
    hosts: list[str]
    goal: float  # e.g. 0.995
    ownership: Ownership
    notification_channels: pulumi.Input[Sequence[pulumi.Input[str]]]


class TenantSlo(pulumi.ComponentResource):
    service_name: pulumi.Output[str]
    uptime_check_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: TenantSloArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:TenantSlo", name, {}, opts)
        own, tid = args.ownership, args.tenant_id
        checks = [
            gcp.monitoring.UptimeCheckConfig(
                f"{name}-uptime-{index}",
                project=args.project,
                display_name=f"{tid} {host}",
                timeout="10s",
                # Five checkers every five minutes (the SLI's window): ~43,000 executions a month.
                period="300s",
                selected_regions=["USA", "EUROPE", "ASIA_PACIFIC"],
                http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(
                    path=HEALTH_PATH, port=443, use_ssl=True, validate_ssl=True
                ),
                monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
                    type="uptime_url", labels={"host": host, "project_id": args.project}
                ),
                user_labels=own.gcp_labels(),
                opts=child(self),
            )
            for index, host in enumerate(args.hosts, start=1)
        ]
        self.uptime_check_ids = [c.uptime_check_id for c in checks]
        service = gcp.monitoring.CustomService(
            f"{name}-service",
            project=args.project,
            service_id=f"tenant-{tid}",
            display_name=f"Tenant {tid}",
            user_labels=own.gcp_labels(),
            opts=child(self),
        )
        self.service_name = service.name
        check_ids = uptime_checks_clause(self.uptime_check_ids)
        availability = gcp.monitoring.Slo(
            f"{name}-availability",
            project=args.project,
            service=service.service_id,
            slo_id="availability",
            display_name=f"{tid}: hosts answer (uptime checks)",
            goal=args.goal,
            rolling_period_days=ROLLING_DAYS,
            windows_based_sli=gcp.monitoring.SloWindowsBasedSliArgs(
                window_period="300s",
                good_bad_metric_filter=check_ids.apply(
                    lambda ids: (
                        'metric.type = "monitoring.googleapis.com/uptime_check/check_passed" '
                        f'AND resource.type = "uptime_url" AND ({ids})'
                    )
                ),
            ),
            user_labels=own.gcp_labels(),
            opts=child(self),
        )
        host_filter = " OR ".join(f'metric.label.host = "{h}"' for h in args.hosts)
        requests = f'metric.type = "{INGRESS_REQUESTS}" AND ({host_filter})'
        success = gcp.monitoring.Slo(
            f"{name}-requests",
            project=args.project,
            service=service.service_id,
            slo_id="request-success",
            display_name=f"{tid}: requests without a server error (ingress)",
            goal=args.goal,
            rolling_period_days=ROLLING_DAYS,
            request_based_sli=gcp.monitoring.SloRequestBasedSliArgs(
                good_total_ratio=gcp.monitoring.SloRequestBasedSliGoodTotalRatioArgs(
                    total_service_filter=requests,
                    bad_service_filter=(
                        f'{requests} AND metric.label.status = monitoring.regex.full_match("5..")'
                    ),
                )
            ),
            user_labels=own.gcp_labels(),
            opts=child(self),
        )
        for key, slo in (("availability", availability), ("requests", success)):
            self._burn_rate_alert(name, args, key, slo)
        self.register_outputs({"service": service.name})

    def _burn_rate_alert(
        self, name: str, args: TenantSloArgs, key: str, slo: gcp.monitoring.Slo
    ) -> None:
        conditions = [
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=f"burn rate over {rate}x for {lookback}",
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=pulumi.Output.concat(
                        'select_slo_burn_rate("', slo.name, '", "', lookback, '")'
                    ),
                    comparison="COMPARISON_GT",
                    threshold_value=rate,
                    duration="0s",
                ),
            )
            for lookback, rate in BURN_RATE_WINDOWS
        ]
        gcp.monitoring.AlertPolicy(
            f"{name}-{key}-burn",
            project=args.project,
            display_name=f"{args.tenant_id}: SLO {key} burning its error budget fast",
            combiner="OR",
            conditions=conditions,
            notification_channels=args.notification_channels,
            severity="CRITICAL",
            user_labels=args.ownership.gcp_labels(),
            opts=child(self),
        )
