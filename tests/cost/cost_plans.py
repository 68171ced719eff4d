"""Small hand-built plans for the cost tests: a platform stack with one shared cluster, two free
tenants and a free pool; a standard tenant on that cluster."""

from __future__ import annotations

from domain.plan_model import PlanOptions, PlanResource, PlanStack

HOURS = 730
KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: pool\n"
# Usage fixed here so the hand arithmetic does not depend on the catalogue's defaults.
ASSUME = [
    "hours_per_month=730",
    "node_pool_fill=0.5",
    "quota_requested_share=1.5",
    "storage_used_share=0.5",
    "gcs_class_a_ops_per_month=0",
    "gcs_class_b_ops_per_month=0",
    "sql_disk_used_share=0.5",
    "sql_backup_daily_change=0.02",
    "temporal_actions_per_month.standard=1000000",
    "temporal_active_storage_gb.standard=1",
    "temporal_closed_history_gb_per_day.standard=0.1",
]


class Builder:
    def __init__(self, name: str, tenant: str | None = None, tier: str | None = None):
        self.stack = PlanStack(name, tenant, tier)
        self.root = self.add(
            "pulumi:pulumi:Stack", f"tenancy-{name}", {}, custom=False, parent=None
        )
        self.gcp = self.add("pulumi:providers:gcp", "gcp", {"region": "us-central1"})
        self.k8s = self.add("pulumi:providers:kubernetes", "k8s", {"kubeconfig": KUBECONFIG})

    @classmethod
    def over(cls, stack: PlanStack) -> Builder:
        """A builder adding to an existing stack, under its root and providers."""
        b = cls.__new__(cls)
        b.stack = stack

        def urn(rtype: str) -> str:
            return next(r.urn for r in stack.resources if r.type == rtype)

        b.root = urn("pulumi:pulumi:Stack")
        b.gcp, b.k8s = urn("pulumi:providers:gcp"), urn("pulumi:providers:kubernetes")
        return b

    def add(self, rtype, name, inputs, custom=True, parent="root", provider=None) -> str:
        urn = f"urn:pulumi:{self.stack.name}::tenancy::{rtype}::{name}"
        parent_urn = self.root if parent == "root" else parent
        self.stack.resources.append(
            PlanResource(urn, rtype, name, custom, parent_urn, [], provider, inputs, PlanOptions())
        )
        return urn


def quota(b: Builder, namespace: str, cpu: str, memory: str) -> None:
    b.add(
        "kubernetes:core/v1:ResourceQuota",
        f"{namespace}-quota",
        {
            "metadata": {"namespace": namespace},
            "spec": {"hard": {"requests.cpu": cpu, "requests.memory": memory}},
        },
        provider=b.k8s,
    )


def sql(settings: dict, **extra) -> dict:
    base = {
        "tier": "db-custom-2-7680",
        "edition": "ENTERPRISE",
        "availabilityType": "ZONAL",
        "diskType": "PD_SSD",
    }
    return {"region": "us-central1", "settings": {**base, **settings}, **extra}


def platform_stack() -> PlanStack:
    b = Builder("t")
    b.add(
        "gcp:container/cluster:Cluster",
        "pool-cluster",
        {"name": "pool", "location": "us-central1", "removeDefaultNodePool": True},
    )
    b.add(
        "gcp:container/nodePool:NodePool",
        "pool-general",
        {
            "cluster": "pool",
            "location": "us-central1",
            "autoscaling": {"totalMinNodeCount": 2, "totalMaxNodeCount": 4},
            "nodeConfig": {
                "machineType": "e2-standard-4",
                "diskSizeGb": 100,
                "diskType": "pd-balanced",
            },
        },
    )
    quota(b, "free-tier", "6", "12Gi")
    for tid in ("fa", "fb"):
        b.add(
            "kubernetes:core/v1:ConfigMap",
            f"{tid}-limits",
            {
                "metadata": {
                    "labels": {
                        "tenancy.io/limits": "free",
                        "tenancy.io/tenant": tid,
                        "tenancy.io/tier": "free",
                    }
                },
                "data": {"storage_quota_gb": "1"},
            },
            provider=b.k8s,
        )
        b.add("gcp:identityplatform/tenant:Tenant", f"{tid}-identity-idp", {"displayName": tid})
    component = b.add("tenancy:blocks:PostgresSet", "free-tier-postgres", {}, custom=False)
    b.add(
        "gcp:sql/databaseInstance:DatabaseInstance",
        "shared-postgres",
        sql(
            {
                "diskSize": 100,
                "backupConfiguration": {
                    "enabled": True,
                    "backupRetentionSettings": {"retainedBackups": 7},
                },
            }
        ),
        parent=component,
    )
    b.add(
        "gcp:storage/bucket:Bucket",
        "free-uploads",
        {
            "name": "shared-uploads",
            "location": "US-CENTRAL1",
            "labels": {"tenant": "shared", "tier": "free"},
        },
    )
    return b.stack


def standard_stack() -> PlanStack:
    b = Builder("t.std", "std", "standard")
    quota(b, "tenant-std", "2", "4Gi")
    b.add(
        "gcp:sql/databaseInstance:DatabaseInstance",
        "std-postgres-1",
        sql({"tier": "db-custom-1-3840", "availabilityType": "REGIONAL", "diskSize": 20}),
    )
    b.add(
        "gcp:sql/databaseInstance:DatabaseInstance",
        "std-postgres-1-replica",
        sql({"tier": "db-custom-1-3840", "diskSize": 20}, masterInstanceName="std-postgres-1"),
    )
    b.add(
        "temporalcloud:index/namespace:Namespace",
        "std-temporal",
        {"name": "t-std", "retentionDays": 10, "regions": ["gcp-us-central1", "gcp-us-east1"]},
    )
    b.add(
        "kubernetes:core/v1:ConfigMap",
        "std-app-values",
        {"data": {"BUCKET": "std-uploads", "STORAGE_QUOTA_GB": "100"}},
        provider=b.k8s,
    )
    b.add(
        "gcp:storage/bucket:Bucket",
        "std-uploads",
        {"name": "std-uploads", "location": "US-CENTRAL1"},
    )
    b.add("gcp:projects/iAMMember:IAMMember", "std-grant", {"role": "roles/cloudsql.client"})
    return b.stack
