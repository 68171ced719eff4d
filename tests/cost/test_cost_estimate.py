"""The estimate of small hand-built plans against figures computed by hand from the catalogue.

Each expected value is written as its arithmetic, with the catalogue's prices
(pricing/gcp-us.yaml, gcp-global.yaml, temporal-cloud.yaml) as numbers, so a changed price shows
up here as a changed derivation.
"""

from __future__ import annotations

import json

import pytest
from cost_plans import ASSUME, HOURS, Builder, platform_stack, sql, standard_stack

from domain.plan_model import Plan, PlanOptions, PlanResource
from tenancy.cost.catalogue import load_catalogue, parse_assumptions
from tenancy.cost.estimate import estimate


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def result(catalogue):
    plan = Plan([platform_stack(), standard_stack()])
    return estimate(plan, catalogue, parse_assumptions(catalogue, ASSUME))


# --- the hand arithmetic -------------------------------------------------------------------------

# Node pool, the cluster's only one, sized to 1.5 x the namespaces' quota on it (free-tier 6 CPU /
# 12 GiB + tenant-std 2 CPU / 4 GiB = 8 CPU / 16 GiB): 12 vCPU / 4 per e2-standard-4 = 3 nodes,
# 24 GiB / 16 GB = 2 nodes; the larger, 3, is within autoscaling 2-4. Each node $0.13402284/h
# and a 100 GB pd-balanced boot disk at $0.10/GB-month.
POOL = 3 * (0.13402284 * HOURS + 100 * 0.10)
# Quotas on "pool": free-tier 6 CPU / 12 GiB, tenant-std 2 CPU / 4 GiB; half CPU, half memory.
STD_SHARE = 0.5 * 2 / 8 + 0.5 * 4 / 16  # = 0.25
FREE_SHARE = 0.5 * 6 / 8 + 0.5 * 12 / 16  # = 0.75
# Shared Cloud SQL, zonal db-custom-2-7680 (2 vCPU, 7680 MiB = 7.5 GiB), 100 GiB SSD, 7 backups of
# 100 GiB x 0.5 used, each further backup adding 2% of it.
SHARED_SQL = (2 * 0.0413 + 7.5 * 0.007) * HOURS + 100 * 0.17 + 100 * 0.5 * (1 + 0.02 * 6) * 0.08
# Free bucket: two free tenants' 1 GiB quotas, half used, $0.020/GiB (operations assumed 0).
FREE_BUCKET = 2 * 1 * 0.5 * 0.020
# Standard: HA (regional) db-custom-1-3840 (1 vCPU, 3.75 GiB) with 20 GiB regional SSD, no backups;
# its zonal read replica.
STD_SQL = (1 * 0.0826 + 3.75 * 0.014) * HOURS + 20 * 0.34
STD_REPLICA = (1 * 0.0413 + 3.75 * 0.007) * HOURS + 20 * 0.17
# Temporal: 1 M actions at $50/M, 1 GB active at $0.042/GBh, 0.1 GB/day x 10 days retained at
# $0.00105/GBh; two regions double it; the plan's 10% of usage on top.
STD_TEMPORAL = (1 * 50 + 1 * 0.042 * HOURS + 0.1 * 10 * 0.00105 * HOURS) * 2 * 1.10
STD_BUCKET = 100 * 0.5 * 0.020
CLUSTER_FEE = 0.10 * HOURS


def by_tenant(result) -> dict:
    return {row["tenant"]: row for row in result.to_json()["tenants"]}


def test_standard_tenant_dedicated_and_share(result) -> None:
    row = by_tenant(result)["std"]
    assert row["tier"] == "standard"
    assert row["dedicated_usd"] == pytest.approx(
        STD_SQL + STD_REPLICA + STD_TEMPORAL + STD_BUCKET, abs=1e-3
    )
    assert row["shared_usd"] == pytest.approx(POOL * STD_SHARE, abs=1e-3)


def test_free_tenants_split_the_pool_equally(result) -> None:
    rows = by_tenant(result)
    for tid in ("fa", "fb"):
        assert rows[tid]["tier"] == "free"
        assert rows[tid]["dedicated_usd"] == 0
        assert rows[tid]["shared_usd"] == pytest.approx(
            (POOL * FREE_SHARE + SHARED_SQL + FREE_BUCKET) / 2, abs=1e-3
        )


def test_platform_keeps_only_its_own_and_nothing_is_lost(result) -> None:
    assert result.platform_total == pytest.approx(CLUSTER_FEE)
    assert result.total == pytest.approx(
        CLUSTER_FEE
        + POOL
        + SHARED_SQL
        + FREE_BUCKET
        + STD_SQL
        + STD_REPLICA
        + STD_TEMPORAL
        + STD_BUCKET
    )
    stacks = {s["stack"]: s for s in result.to_json()["stacks"]}
    assert stacks["t"]["platform_usd"] == pytest.approx(CLUSTER_FEE, abs=1e-3)


def test_every_line_says_dedicated_share_or_platform(result) -> None:
    kinds = {(line.tenant, line.type.rsplit(":", 1)[1], line.kind) for line in result.lines}
    assert ("std", "NodePool", "share") in kinds
    assert ("fa", "DatabaseInstance", "share") in kinds
    assert ("std", "DatabaseInstance", "dedicated") in kinds
    assert (None, "Cluster", "platform") in kinds
    assert {line.kind for line in result.lines} == {"dedicated", "share", "platform"}
    replica = next(line for line in result.lines if line.urn.endswith("std-postgres-1-replica"))
    assert "read replica of std-postgres-1" in replica.basis


def test_json_is_the_contract(result) -> None:
    data = json.loads(json.dumps(result.to_json()))
    assert list(data) == [
        "currency",
        "catalogue_date",
        "assumptions",
        "tenants",
        "tiers",
        "stacks",
        "resources",
        "unpriced",
    ]
    assert data["currency"] == "USD" and data["catalogue_date"] == "2026-12-06"
    assert data["assumptions"]["node_pool_fill"] == 0.5
    assert all(
        set(t) == {"tenant", "tier", "monthly_usd", "dedicated_usd", "shared_usd"}
        for t in data["tenants"]
    )
    assert all(
        set(r) == {"urn", "type", "tenant", "monthly_usd", "basis"} for r in data["resources"]
    )
    assert {r["tenant"] for r in data["resources"]} == {None, "fa", "fb", "std"}
    tiers = {t["tier"]: t for t in data["tiers"]}
    assert tiers["free"]["tenants"] == 2 and tiers["enterprise"]["tenants"] == 0


def test_a_type_without_a_price_is_listed_not_zero(catalogue) -> None:
    stack = standard_stack()
    urn = "urn:pulumi:t.std::tenancy::gcp:bigquery/dataset:Dataset::std-dataset"
    stack.resources.append(
        PlanResource(
            urn,
            "gcp:bigquery/dataset:Dataset",
            "std-dataset",
            True,
            None,
            [],
            None,
            {},
            PlanOptions(),
        )
    )
    result = estimate(Plan([stack]), catalogue, parse_assumptions(catalogue, ASSUME))
    assert [(u.type, u.tenant) for u in result.unpriced] == [
        ("gcp:bigquery/dataset:Dataset", "std")
    ]
    assert result.to_json()["unpriced"] == [
        {
            "urn": "urn:pulumi:t.std::tenancy::gcp:bigquery/dataset:Dataset::std-dataset",
            "type": "gcp:bigquery/dataset:Dataset",
        }
    ]
    assert not any(line.type == "gcp:bigquery/dataset:Dataset" for line in result.lines)


def test_a_region_without_prices_is_unpriced_not_priced_at_us_rates(catalogue) -> None:
    b = Builder("t.eu", "eu", "standard")
    b.add(
        "gcp:sql/databaseInstance:DatabaseInstance",
        "eu-postgres-1",
        {**sql({"diskSize": 20}), "region": "europe-west1"},
    )
    result = estimate(Plan([b.stack]), catalogue, parse_assumptions(catalogue, ASSUME))
    assert len(result.unpriced) == 1 and "europe-west1" in result.unpriced[0].reason


def test_assumptions_change_the_estimate(catalogue) -> None:
    plan = Plan([platform_stack(), standard_stack()])
    more = estimate(
        plan, catalogue, parse_assumptions(catalogue, [*ASSUME, "quota_requested_share=2"])
    )
    # 2 x 8 CPU = 16 vCPU / 4 = 4 nodes instead of 3.
    assert by_tenant(more)["std"]["shared_usd"] == pytest.approx(POOL / 3 * 4 * STD_SHARE, abs=1e-3)


def test_only_reports_the_selected_tenants(result) -> None:
    only = result.only(["std"])
    assert [row["tenant"] for row in only.to_json()["tenants"]] == ["std"]
    assert {line.tenant for line in only.lines} == {"std"}


def test_neo4j_volume_is_priced_and_its_compute_valued_not_added(catalogue) -> None:
    platform, std = platform_stack(), standard_stack()

    def append(stack, rtype, name, inputs, provider=None) -> None:
        urn = f"urn:pulumi:{stack.name}::tenancy::{rtype}::{name}"
        stack.resources.append(
            PlanResource(urn, rtype, name, True, None, [], provider, inputs, PlanOptions())
        )

    append(
        platform,
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "retained-ssd",
        {"metadata": {"name": "retained-ssd"}, "parameters": {"type": "pd-ssd"}},
    )
    append(
        std,
        "kubernetes:helm.sh/v3:Release",
        "std-neo4j",
        {
            "chart": "neo4j",
            "values": {
                "neo4j": {"resources": {"cpu": "1", "memory": "4Gi"}},
                "volumes": {
                    "data": {
                        "dynamic": {
                            "requests": {"storage": "20Gi"},
                            "storageClassName": "retained-ssd",
                        }
                    }
                },
            },
        },
        provider="urn:pulumi:t.std::tenancy::pulumi:providers:kubernetes::k8s",
    )
    result = estimate(Plan([platform, std]), catalogue, parse_assumptions(catalogue, ASSUME))
    neo4j = next(line for line in result.lines if line.urn.endswith("std-neo4j"))
    # 20 GiB of pd-ssd at $0.17 is the only cost added.
    assert neo4j.monthly_usd == pytest.approx(20 * 0.17)
    assert neo4j.kind == "dedicated"
    # 1 vCPU of 4 and 4 GiB of 16 on an e2-standard-4 node: half each = 25%, valued at
    # 0.25 x $0.13402284/h x 730 h = $24.46, which the namespace's node share already carries.
    assert "25.0% of a e2-standard-4 node = $24.46" in neo4j.basis
    assert "not added twice" in neo4j.basis
    row = by_tenant(result)["std"]
    assert row["dedicated_usd"] == pytest.approx(
        STD_SQL + STD_REPLICA + STD_TEMPORAL + STD_BUCKET + 20 * 0.17, abs=1e-3
    )
