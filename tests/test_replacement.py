"""The replace-forcing input table (domain/replacement.py): each kind of rule, on plan inputs."""

from __future__ import annotations

import pytest

from domain.replacement import ENTRIES, REPLACE_ON, replace_reasons, stateful_kind

SQL = "gcp:sql/databaseInstance:DatabaseInstance"


def sql(**settings) -> dict:
    return {"name": "x-postgres-1", "region": "us-central1", "settings": settings}


def test_every_entry_cites_its_source_and_has_rules() -> None:
    assert len(REPLACE_ON) == len(ENTRIES)  # one entry per type
    for entry in ENTRIES:
        assert entry.rules and entry.source, entry.type
        assert any(
            marker in entry.source
            for marker in ("terraform-provider", "pulumi-kubernetes", "hashicorp/")
        ), entry.type


def test_every_stateful_type_has_an_entry() -> None:
    from domain.replacement import STATEFUL_TYPES

    assert set(STATEFUL_TYPES) <= set(REPLACE_ON)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (sql(tier="a"), sql(tier="b"), []),  # tier: in place
        ({**sql(), "name": "a"}, {**sql(), "name": "b"}, ["name"]),
        (sql(collation="a"), sql(collation="b"), ["settings.collation"]),
        # disk: growing is in place; shrinking replaces only without autoresize
        (sql(diskSize=100), sql(diskSize=200), []),
        (sql(diskSize=200, diskAutoresize=True), sql(diskSize=100, diskAutoresize=True), []),
        (
            sql(diskSize=200, diskAutoresize=False),
            sql(diskSize=100, diskAutoresize=False),
            ["settings.diskSize"],
        ),
        # private network: changing it is in place, removing it replaces
        (
            sql(ipConfiguration={"privateNetwork": "a"}),
            sql(ipConfiguration={"privateNetwork": "b"}),
            [],
        ),
        (
            sql(ipConfiguration={"privateNetwork": "a"}),
            sql(ipConfiguration={}),
            ["settings.ipConfiguration.privateNetwork"],
        ),
    ],
)
def test_cloud_sql_instance(before, after, expected) -> None:
    assert [r.split(" ")[0] for r in replace_reasons(SQL, before, after)] == expected


def test_subnet_expansion_is_in_place_and_shrinking_replaces() -> None:
    t = "gcp:compute/subnetwork:Subnetwork"
    assert replace_reasons(t, {"ipCidrRange": "10.0.0.0/24"}, {"ipCidrRange": "10.0.0.0/20"}) == []
    assert replace_reasons(t, {"ipCidrRange": "10.0.0.0/20"}, {"ipCidrRange": "10.0.0.0/24"})


def test_temporal_regions_reordered_is_no_replacement() -> None:
    t = "temporalcloud:index/namespace:Namespace"
    a, b = {"regions": ["x", "y"]}, {"regions": ["y", "x"]}
    assert replace_reasons(t, a, b) == []
    assert replace_reasons(t, a, {"regions": ["x"]})


def test_api_key_disabled_is_in_place() -> None:
    t = "temporalcloud:index/apikey:Apikey"
    assert replace_reasons(t, {"disabled": False}, {"disabled": True}) == []
    assert replace_reasons(t, {"expiryTime": "a"}, {"expiryTime": "b"}) == ["expiryTime"]


def test_identity_platform_tenant_replaces_only_on_project() -> None:
    t = "gcp:identityplatform/tenant:Tenant"
    assert replace_reasons(t, {"disableAuth": False}, {"disableAuth": True}) == []
    assert replace_reasons(t, {"project": "a"}, {"project": "b"}) == ["project"]


def test_a_presence_rule_ignores_nested_changes() -> None:
    t = "gcp:storage/bucket:Bucket"
    assert (
        replace_reasons(t, {"hierarchicalNamespace": {"x": 1}}, {"hierarchicalNamespace": {"x": 2}})
        == []
    )
    assert replace_reasons(t, {}, {"hierarchicalNamespace": {"enabled": False}})


def test_kubernetes_objects_replace_on_name_and_namespace_and_kind_rules() -> None:
    job = "kubernetes:batch/v1:Job"
    meta = {"metadata": {"name": "a", "namespace": "n"}}
    assert replace_reasons(
        job, {**meta, "spec": {"template": {"x": 1}}}, {**meta, "spec": {"template": {"x": 2}}}
    ) == ["spec.template"]
    cm = "kubernetes:core/v1:ConfigMap"
    assert replace_reasons(cm, meta, {"metadata": {"name": "b", "namespace": "n"}}) == [
        "metadata.name"
    ]
    assert replace_reasons(cm, {**meta, "data": {"a": "1"}}, {**meta, "data": {"a": "2"}}) == []


def test_lists_are_looked_through() -> None:
    t = "gcp:container/nodePool:NodePool"
    before = {"nodeConfig": {"guestAccelerators": [{"count": 1}]}}
    after = {"nodeConfig": {"guestAccelerators": [{"count": 2}]}}
    assert replace_reasons(t, before, after) == ["nodeConfig.guestAccelerators"]


def test_stateful_kinds() -> None:
    assert stateful_kind("gcp:sql/databaseInstance:DatabaseInstance")
    assert stateful_kind("gcp:identityplatform/tenant:Tenant")
    assert stateful_kind("kubernetes:helm.sh/v3:Release", "tenancy:blocks:Neo4j") == "Neo4j volumes"
    assert (
        stateful_kind("kubernetes:helm.sh/v3:Release", "tenancy:blocks:TenantApplication") is None
    )
    assert stateful_kind("kubernetes:core/v1:ConfigMap") is None
