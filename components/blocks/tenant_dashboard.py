"""A Cloud Monitoring dashboard per paying tenant: its SLOs' inputs (uptime, ingress traffic and
errors), its databases, its storage against quota and its namespace's requests.

The JSON follows the Dashboards API (``mosaicLayout`` with ``xyChart`` tiles whose
``timeSeriesQuery`` is a ``timeSeriesFilter`` or ``prometheusQuery``): Cloud Monitoring API,
projects.dashboards resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.blocks.monitoring_filters import hosts_regex
from components.conventions import child

TILE_WIDTH, TILE_HEIGHT, COLUMNS = 24, 16, 2


@dataclass
class TenantDashboardArgs:
    tenant_id: str
    project: pulumi.Input[str]
    hosts: list[str]
    namespace: str | None = None
    bucket_name: pulumi.Input[str] | None = None
    sql_database_ids: list[pulumi.Input[str]] = field(default_factory=list)


def _chart(title: str, query: dict) -> dict:
    return {
        "title": title,
        "xyChart": {"dataSets": [{"timeSeriesQuery": query, "plotType": "LINE"}]},
    }


def _filter(metric_filter: str, aligner: str = "ALIGN_MEAN") -> dict:
    return {
        "timeSeriesFilter": {
            "filter": metric_filter,
            "aggregation": {"alignmentPeriod": "60s", "perSeriesAligner": aligner},
        }
    }


def dashboard_json(
    tenant_id: str,
    hosts: list[str],
    namespace: str | None,
    bucket_name: str | None,
    sql_database_ids: list[str],
) -> str:
    hosts_re = hosts_regex(hosts)
    widgets = [
        _chart(
            "Uptime checks passing",
            _filter(
                'metric.type = "monitoring.googleapis.com/uptime_check/check_passed" '
                'AND resource.type = "uptime_url"',
                "ALIGN_FRACTION_TRUE",
            ),
        ),
        _chart(
            "Requests by status",
            {
                "prometheusQuery": "sum by (status) (rate(nginx_ingress_controller_requests"
                f'{{host=~"{hosts_re}"}}[5m]))'
            },
        ),
    ]
    for database_id in sql_database_ids:
        widgets.append(
            _chart(
                f"Cloud SQL {database_id.split(':')[-1]} CPU",
                _filter(
                    'metric.type = "cloudsql.googleapis.com/database/cpu/utilization" AND '
                    f'resource.labels.database_id = "{database_id}"'
                ),
            )
        )
    if bucket_name:
        widgets.append(
            _chart(
                "Storage used",
                _filter(
                    'metric.type = "storage.googleapis.com/storage/total_bytes" AND '
                    f'resource.labels.bucket_name = "{bucket_name}"',
                    "ALIGN_MAX",
                ),
            )
        )
    if namespace:
        widgets.append(
            _chart(
                "CPU requested in the namespace",
                _filter(
                    'metric.type = "kubernetes.io/container/cpu/request_cores" AND '
                    f'resource.labels.namespace_name = "{namespace}"'
                ),
            )
        )
    tiles = [
        {
            "xPos": (index % COLUMNS) * TILE_WIDTH,
            "yPos": (index // COLUMNS) * TILE_HEIGHT,
            "width": TILE_WIDTH,
            "height": TILE_HEIGHT,
            "widget": widget,
        }
        for index, widget in enumerate(widgets)
    ]
    return json.dumps(
        {
            "displayName": f"Tenant {tenant_id}",
            "mosaicLayout": {"columns": COLUMNS * TILE_WIDTH, "tiles": tiles},
        },
        sort_keys=True,
    )


class TenantDashboard(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TenantDashboardArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantDashboard", name, {}, opts)
        body = pulumi.Output.all(
            pulumi.Output.from_input(args.bucket_name), *args.sql_database_ids
        ).apply(
            lambda values: dashboard_json(
                args.tenant_id, args.hosts, args.namespace, values[0], list(values[1:])
            )
        )
        dashboard = gcp.monitoring.Dashboard(
            f"{name}-dashboard", project=args.project, dashboard_json=body, opts=child(self)
        )
        self.register_outputs({"dashboard": dashboard.id})
