"""Enterprise data options: read replicas delivered to the app, a cross-region PostgreSQL replica
and a multi-region Firestore, each refused where it would leave the allowed regions."""

from __future__ import annotations

import copy

import pytest
from support import UMBRELLA, of_type, tenant_problems

from domain import names
from domain.plan_model import Plan
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import evaluate

# the tenant file up to its `databases:` section
BASE = UMBRELLA + "databases:\n"


def problems(tenants_dir, settings, body: str) -> list[str]:
    return tenant_problems(tenants_dir, settings, "umbrella.yaml", body)


@pytest.mark.parametrize(
    ("databases", "field", "reason"),
    [
        (
            "  postgres_cross_region_replica: europe-west4\n",
            "databases.postgres_cross_region_replica",
            "'europe-west4' is not in the allowed regions",
        ),
        (
            "  postgres_cross_region_replica: us-central1\n",
            "databases.postgres_cross_region_replica",
            "is the tenant's own region",
        ),
        (
            "  firestore_location: eur3\n",
            "databases.firestore_location",
            "eur3 keeps replicas in europe-west4, europe-north1, not in the allowed regions",
        ),
        ("  firestore_location: nam9\n", "databases.firestore_location", "'nam5' or 'eur3'"),
    ],
)
def test_data_options_are_refused_outside_the_allowed_regions(
    tenants_dir, settings, databases, field, reason
) -> None:
    found = problems(tenants_dir, settings, BASE + databases)
    assert any(p.startswith("umbrella.yaml:") and field in p and reason in p for p in found), (
        "\n".join(found)
    )


def test_a_standard_tenant_may_not_ask_for_them(tenants_dir, settings) -> None:
    found = problems(
        tenants_dir,
        settings,
        "id: umbrella\ndisplay_name: U\ntier: standard\nregion: us-central1\n"
        "contact_email: ops@umbrella.example\nplacement: pool-a\n"
        "databases:\n  firestore_location: nam5\n  postgres_cross_region_replica: us-east1\n",
    )
    for field in ("databases.firestore_location", "databases.postgres_cross_region_replica"):
        assert any(f"{field}: tier 'standard' may not override this" in p for p in found), found


# --- what globex's options build ----------------------------------------------------------------


def test_each_instance_has_its_replicas_including_one_in_another_region(globex_run) -> None:
    instances = {
        r.inputs["name"]: r.inputs
        for r in of_type(globex_run.plan, "gcp:sql/databaseInstance:DatabaseInstance")
    }
    for primary in names.postgres_instances("globex", 3):
        local = instances[names.postgres_replica(primary, 1)]
        remote = instances[names.postgres_cross_region_replica(primary)]
        assert local["masterInstanceName"] == remote["masterInstanceName"] == primary
        assert (local["region"], remote["region"]) == ("us-central1", "us-east1")
        # private IP only, on the tenant's VPC, like the primary
        assert remote["settings"]["ipConfiguration"]["ipv4Enabled"] is False


def test_the_app_gets_the_replicas_connections_and_no_secret(globex_run) -> None:
    config = next(
        r.inputs["data"]
        for r in of_type(globex_run.plan, "kubernetes:core/v1:ConfigMap")
        if "POSTGRES_AUTH" in (r.inputs.get("data") or {})
    )
    assert config["POSTGRES_1_REPLICAS"].split(",") == [
        "tn-globex-764ba2:us-central1:globex-postgres-1-replica",
        "tn-globex-764ba2:us-east1:globex-postgres-1-xr",
    ]
    assert config["POSTGRES_AUTH"] == "iam"  # replicas replicate the IAM login: no password
    assert not [k for k in config if "PASSWORD" in k or "SECRET" in k]
    # The services may sign in to the replicas (IAM condition lists them).
    grants = [
        r.inputs
        for r in of_type(globex_run.plan, "gcp:projects/iAMMember:IAMMember")
        if r.inputs["role"] == "roles/cloudsql.instanceUser"
    ]
    assert any("globex-postgres-2-xr" in g["condition"]["expression"] for g in grants)


def test_firestore_is_multi_region(globex_run) -> None:
    database = of_type(globex_run.plan, "gcp:firestore/database:Database")[0]
    assert database.inputs["locationId"] == "nam5"


def _region_findings(plan_stack) -> list[str]:
    from support import SAMPLE_TENANTS

    from domain.environment import load_environment
    from domain.registry import load_registry as load

    settings = load_environment("dev")
    policy = [p for p in ALL_POLICIES if p.name == "gcp-restrict-resource-regions"]
    report = evaluate(Plan([plan_stack]), settings, load(SAMPLE_TENANTS, settings), policies=policy)
    return [r.message for r in report.violations]


def test_the_region_policy_judges_a_multi_region_by_its_regions(globex_run) -> None:
    assert _region_findings(globex_run.plan) == []
    stack = copy.deepcopy(globex_run.plan)
    database = next(r for r in stack.resources if r.type == "gcp:firestore/database:Database")
    database.inputs["locationId"] = "eur3"
    assert any(
        "'eur3' keeps replicas in europe-west4, europe-north1" in m for m in _region_findings(stack)
    )


# --- scheduled exports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("databases", "field", "reason"),
    [
        ('  exports: {schedule: "61 * * * *"}\n', "databases.exports.schedule", "outside 0..59"),
        ('  exports: {schedule: "@daily"}\n', "databases.exports.schedule", "five cron fields"),
        ('  exports: {schedule: "0 2 * * MON"}\n', "databases.exports.schedule", "not a cron"),
    ],
)
def test_a_bad_export_schedule_is_refused(tenants_dir, settings, databases, field, reason) -> None:
    found = problems(tenants_dir, settings, BASE + databases)
    assert any(field in p and reason in p for p in found), "\n".join(found)


def test_exports_need_the_feature_flag_on(tenants_dir, settings) -> None:
    body = BASE + '  exports: {schedule: "0 2 * * *"}\nfeatures:\n  scheduled_exports: false\n'
    found = problems(tenants_dir, settings, body)
    assert any("databases.exports: features.scheduled_exports is false" in p for p in found)


def test_every_database_is_exported_on_the_tenants_schedule(globex_run) -> None:
    jobs = {r.name: r.inputs for r in of_type(globex_run.plan, "kubernetes:batch/v1:CronJob")}
    expected = {
        "globex-firestore-exports-cronjob",
        "globex-neo4j-backup-cronjob",
        *(f"globex-postgres-exports-{i}-cronjob" for i in names.postgres_instances("globex", 3)),
    }
    assert expected <= set(jobs)
    assert {jobs[j]["spec"]["schedule"] for j in expected} == {"30 1 * * *"}
    pod = jobs["globex-postgres-exports-globex-postgres-2-cronjob"]["spec"]["jobTemplate"]["spec"][
        "template"
    ]["spec"]
    proxy, dump = pod["initContainers"]
    assert proxy["restartPolicy"] == "Always"  # a native sidecar beside the dump
    assert proxy["args"][-1] == "tn-globex-764ba2:us-central1:globex-postgres-2"
    assert "--auto-iam-authn" in proxy["args"]
    assert "--enable-row-security" in dump["command"]
    assert {"name": "PGOPTIONS", "value": "-c app.current_tenant=globex"} in dump["env"]
    assert pod["serviceAccountName"] == names.k8s_service_account("globex")
    upload = pod["containers"][0]["command"][-1]
    assert "gcloud storage cp /dump/globex-postgres-2.dump" in upload
    assert "/postgres-exports/globex-postgres-2/" in upload


def test_the_bucket_keeps_exports_for_the_retention(globex_run) -> None:
    # the uploads bucket (each bucket also has an access-log bucket of its own)
    (bucket,) = [
        r
        for r in of_type(globex_run.plan, "gcp:storage/bucket:Bucket")
        if r.name == "globex-uploads-bucket"
    ]
    prefixes = {
        p
        for rule in bucket.inputs["lifecycleRules"]
        for p in (rule["condition"].get("matchesPrefixes") or [])
    }
    assert {"postgres-exports/", "firestore-exports/"} <= prefixes


# --- direct database access -----------------------------------------------------------------------

DIRECT = "  direct_access: {group: dba@umbrella.example}\n"
VPN = (
    "network:\n  vpn:\n    peer_gateway_ips: [35.199.20.1]\n    peer_asn: 65020\n"
    "    shared_secret: umbrella-psk\n    remote_ranges: [192.168.0.0/16]\n"
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BASE + DIRECT + "dedicated_project: true\n", "needs network.vpn"),
        (BASE + DIRECT + VPN, "needs dedicated_project: true"),
        (
            BASE + DIRECT + "dedicated_project: true\nfeatures:\n  direct_db_access: false\n" + VPN,
            "features.direct_db_access is false",
        ),
    ],
)
def test_direct_access_needs_private_connectivity_and_its_own_project(
    tenants_dir, settings, body, reason
) -> None:
    found = problems(tenants_dir, settings, body)
    assert any("databases.direct_access" in p and reason in p for p in found), "\n".join(found)


def test_direct_access_is_a_group_login_bound_by_the_migration(globex_run) -> None:
    users = [
        r.inputs
        for r in of_type(globex_run.plan, "gcp:sql/user:User")
        if r.inputs.get("type") == "CLOUD_IAM_GROUP"
    ]
    assert sorted(u["instance"] for u in users) == names.postgres_instances("globex", 3)
    assert {u["name"] for u in users} == {"db-readers@globex.example"}
    assert not any("password" in u for u in users)
    job = next(
        r.inputs for r in of_type(globex_run.plan, "kubernetes:batch/v1:Job") if "migrat" in r.name
    )
    command = json_text(job)
    assert "--grant-direct-role-to" in command and "db-readers@globex.example" in command
    assert "--direct-writes" not in command  # read_only: true
    # Reachable over the VPN only: the router announces the private services range and the
    # peering to Cloud SQL's network exports the routes back.
    router = next(
        r for r in of_type(globex_run.plan, "gcp:compute/router:Router") if "bgp" in r.inputs
    )
    assert router.inputs["bgp"]["advertisedIpRanges"]
    assert of_type(
        globex_run.plan, "gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig"
    )


def json_text(value: object) -> str:
    import json

    return json.dumps(value)


def _group_findings(stack) -> list[str]:
    from support import SAMPLE_TENANTS

    from domain.environment import load_environment
    from domain.registry import load_registry as load

    settings = load_environment("dev")
    chosen = [
        p
        for p in ALL_POLICIES
        if p.name
        in ("iam-restrict-tenant-group-grants", "iam-restrict-tenant-grants-to-own-identity")
    ]
    report = evaluate(Plan([stack]), settings, load(SAMPLE_TENANTS, settings), policies=chosen)
    return [r.message for r in report.violations]


def test_the_group_grants_pass_only_when_scoped_to_the_instances(globex_run) -> None:
    assert _group_findings(globex_run.plan) == []
    stack = copy.deepcopy(globex_run.plan)
    grant = next(r for r in stack.resources if r.name == "globex-direct-client")
    grant.inputs.pop("condition")
    assert any("roles/cloudsql.client is not a role" in m for m in _group_findings(stack))
    stack = copy.deepcopy(globex_run.plan)
    grant = next(r for r in stack.resources if r.name == "globex-direct-client")
    grant.inputs["member"] = "group:someone-else@globex.example"
    assert any("not a group of the tenant file" in m for m in _group_findings(stack))
