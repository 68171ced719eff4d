"""The three tier components under the mock runtime: what each tier creates, that no tenant's
resource refers to another tenant, and that every Kubernetes object validates against the
schemas."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest
from support import of_type

from domain import names
from domain.plan_model import Plan, PlanResource, PlanStack

K8S_VERSION = "1.32.0"
PROJECT = "tinybug-saas-dev"


def one(stack: PlanStack, rtype: str, name: str) -> PlanResource:
    matches = [r for r in stack.resources if r.type == rtype and r.name == name]
    assert len(matches) == 1, f"{rtype} {name}: {len(matches)} found"
    return matches[0]


def k8s_named(stack: PlanStack, kind: str, name: str) -> PlanResource:
    matches = [
        r
        for r in stack.resources
        if r.type.startswith("kubernetes:")
        and r.type.endswith(f":{kind}")
        and r.inputs.get("metadata", {}).get("name") == name
    ]
    assert len(matches) == 1, f"{kind} {name}: {len(matches)} found"
    return matches[0]


# --- SharedPool ---------------------------------------------------------------------------------


def test_shared_pool_network_and_clusters(sample_plan, settings) -> None:
    dev = sample_plan.stack("dev")
    subnet = of_type(dev, "gcp:compute/subnetwork:Subnetwork")[0]
    assert {r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]} == {"pods", "services"}
    assert (
        one(dev, "gcp:compute/globalAddress:GlobalAddress", "dev-network-psa-range").inputs[
            "purpose"
        ]
        == "VPC_PEERING"
    )
    assert of_type(dev, "gcp:servicenetworking/connection:Connection") and of_type(
        dev, "gcp:compute/routerNat:RouterNat"
    )
    clusters = of_type(dev, "gcp:container/cluster:Cluster")
    assert sorted(c.inputs["name"] for c in clusters) == [
        f"dev-{c.name}" for c in settings.clusters
    ]
    for cluster in clusters:
        i = cluster.inputs
        assert i["privateClusterConfig"]["enablePrivateNodes"] is True
        assert i["workloadIdentityConfig"]["workloadPool"] == f"{PROJECT}.svc.id.goog"
        assert i["datapathProvider"] == "ADVANCED_DATAPATH"
        assert i["releaseChannel"]["channel"] in {"REGULAR", "STABLE"}
        assert i["enableShieldedNodes"] is True and i["enableLegacyAbac"] is False
        assert i["masterAuth"]["clientCertificateConfig"]["issueClientCertificate"] is False
        assert "0.0.0.0/0" not in json.dumps(i["masterAuthorizedNetworksConfig"])
        assert i["deletionProtection"] is True
    for pool in of_type(dev, "gcp:container/nodePool:NodePool"):
        assert pool.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}
        config = pool.inputs["nodeConfig"]
        assert config["workloadMetadataConfig"]["mode"] == "GKE_METADATA"
        assert (
            config["serviceAccount"].startswith("dev-pool-")
            and "compute@developer" not in config["serviceAccount"]
        )
        assert config["shieldedInstanceConfig"]["enableSecureBoot"] is True
    assert (
        len(of_type(dev, "kubernetes:helm.sh/v3:Release")) == 2 * len(settings.clusters) + 1
    )  # ingress + cert-manager, + free app
    zone = one(dev, "gcp:dns/managedZone:ManagedZone", "dev-app-zone")
    assert zone.inputs["dnsName"] == f"{settings.app_domain}."
    assert (
        one(dev, "gcp:dns/recordSet:RecordSet", "dev-app-wildcard").inputs["name"]
        == f"*.{settings.app_domain}."
    )
    issuers = [r for r in dev.resources if r.type == "kubernetes:cert-manager.io/v1:ClusterIssuer"]
    assert len(issuers) == len(settings.clusters)
    wildcard = k8s_named(dev, "Certificate", "tenant-certificate")
    assert f"*.{settings.app_domain}" in wildcard.inputs["spec"]["dnsNames"]


def test_shared_pool_free_tier_services(sample_plan, registry) -> None:
    dev = sample_plan.stack("dev")
    assert k8s_named(dev, "Namespace", "free-tier")
    ksa = k8s_named(dev, "ServiceAccount", "free-tier-sa")
    assert ksa.inputs["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].startswith(
        "dev-free-tier@"
    )
    binding = one(dev, "gcp:serviceaccount/iAMMember:IAMMember", "free-tier-binding")
    assert (
        binding.inputs["member"] == f"serviceAccount:{PROJECT}.svc.id.goog[free-tier/free-tier-sa]"
    )
    sql = of_type(dev, "gcp:sql/databaseInstance:DatabaseInstance")
    assert [s.inputs["name"] for s in sql] == [
        "dev-shared-postgres"
    ]  # one shared instance, no extra ones
    settings_ = sql[0].inputs["settings"]
    assert (
        settings_["ipConfiguration"]["ipv4Enabled"] is False
        and settings_["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY"
    )
    assert settings_["backupConfiguration"]["backupRetentionSettings"]["retainedBackups"] == 7
    assert settings_["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True
    assert sql[0].inputs["deletionProtection"] is True and sql[0].options.protect
    # The services log in as their IAM service account: no password, no cloudsqlsuperuser.
    user = one(dev, "gcp:sql/user:User", "dev-shared-postgres-user").inputs
    assert user["type"] == "CLOUD_IAM_SERVICE_ACCOUNT" and "password" not in user
    assert user["name"] == f"{names.free_tier_service_account_id('dev')}@{PROJECT}.iam"
    flags = {f["name"]: f["value"] for f in settings_["databaseFlags"]}
    assert flags["cloudsql.iam_authentication"] == "on"
    assert (
        one(dev, "gcp:sql/user:User", "dev-shared-postgres-migrator").inputs["password"]
        == "[secret]"
    )
    assert of_type(dev, "random:index/randomPassword:RandomPassword")
    bucket = one(dev, "gcp:storage/bucket:Bucket", "free-tier-uploads-bucket").inputs
    assert (
        bucket["uniformBucketLevelAccess"] is True
        and bucket["publicAccessPrevention"] == "enforced"
    )
    assert len(of_type(dev, "gcp:firestore/database:Database")) == 1
    assert not [r for r in dev.resources if "neo4j" in r.name]  # no Neo4j in the free tier
    shared_ns = one(dev, "temporalcloud:index/namespace:Namespace", "free-tier-temporal-namespace")
    assert shared_ns.inputs["name"] == "dev-free-tier"
    free = registry.by_tier("free")
    # Every tenant's identity lives here, whatever its tier (a tier change keeps it).
    idps = of_type(dev, "gcp:identityplatform/tenant:Tenant")
    assert sorted(i.inputs["displayName"] for i in idps) == sorted(t.id for t in registry.tenants)
    assert all(i.inputs["allowPasswordSignup"] is True for i in idps)
    assert all(i.options.protect and i.inputs["disableAuth"] is False for i in idps)
    for tenant in free:
        limits = k8s_named(dev, "ConfigMap", f"tenant-{tenant.id}-limits")
        assert limits.inputs["metadata"]["namespace"] == "free-tier"
        assert limits.inputs["data"]["api_rate_limit_per_min"] == "100"
        assert limits.inputs["data"]["storage_quota_gb"] == "1"
        assert limits.inputs["data"]["temporal_task_queue"] == f"tenant-{tenant.id}"


# --- NamespaceTenant ------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant_id", ["coinbase", "stripe", "amovil"])
def test_namespace_tenant(sample_plan, registry, settings, tenant_id) -> None:
    tenant = registry.get(tenant_id)
    stack = sample_plan.stack(f"dev.{tenant_id}")
    ns = names.k8s_namespace(tenant_id)
    namespace = k8s_named(stack, "Namespace", ns)
    labels = namespace.inputs["metadata"]["labels"]
    assert (
        labels["pod-security.kubernetes.io/enforce"] == "restricted"
        and labels["tenancy.io/tenant"] == tenant_id
    )
    quota = k8s_named(stack, "ResourceQuota", "tenant-quota").inputs["spec"]["hard"]
    assert quota["services.loadbalancers"] == "0" and {
        "requests.cpu",
        "requests.memory",
        "pods",
        "persistentvolumeclaims",
        "services",
    } <= set(quota)
    assert k8s_named(stack, "LimitRange", "tenant-limits")
    deny = k8s_named(stack, "NetworkPolicy", "default-deny-all").inputs["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for allow in ("allow-dns", "allow-from-ingress", "allow-databases", "allow-google-apis"):
        assert k8s_named(stack, "NetworkPolicy", allow).inputs["metadata"]["namespace"] == ns
    ksa = names.k8s_service_account(tenant_id)
    binding = one(stack, "gcp:serviceaccount/iAMMember:IAMMember", f"{tenant_id}-binding")
    assert binding.inputs["member"] == f"serviceAccount:{PROJECT}.svc.id.goog[{ns}/{ksa}]"
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    gsa = f"{names.workload_service_account_id(tenant_id)}@{PROJECT}.iam.gserviceaccount.com"
    grant = one(
        stack, "gcp:storage/bucketIAMMember:BucketIAMMember", f"{tenant_id}-uploads-object-admin"
    )
    assert (
        grant.inputs["member"] == f"serviceAccount:{gsa}"
        and grant.inputs["role"] == "roles/storage.objectAdmin"
    )
    assert grant.inputs["bucket"] == names.uploads_bucket("dev", PROJECT, tenant_id)
    sql = sorted(
        r.inputs["name"] for r in of_type(stack, "gcp:sql/databaseInstance:DatabaseInstance")
    )
    assert sql == [names.postgres_instance(tenant_id, i) for i in (1, 2, 3)]
    for role in ("cloudsql.client", "cloudsql.instanceUser", "datastore.user"):
        grants = [r for r in stack.resources if r.inputs.get("role") == f"roles/{role}"]
        assert grants and all(g.inputs["member"] == f"serviceAccount:{gsa}" for g in grants), role
    firestore = one(stack, "gcp:firestore/database:Database", f"{tenant_id}-firestore-database")
    assert firestore.inputs["name"] == f"{tenant_id}-firestore"
    assert (
        of_type(stack, "gcp:firestore/backupSchedule:BackupSchedule")[0].inputs["retention"]
        == f"{30 * 86400}s"
    )
    bucket = one(stack, "gcp:storage/bucket:Bucket", f"{tenant_id}-uploads-bucket").inputs
    assert bucket["versioning"] == {"enabled": True} and bucket["lifecycleRules"]
    assert of_type(stack, "gcp:monitoring/alertPolicy:AlertPolicy")  # storage quota alert
    neo4j = one(stack, "kubernetes:helm.sh/v3:Release", f"{tenant_id}-neo4j-release")
    assert neo4j.inputs["namespace"] == ns and neo4j.options.protect
    assert neo4j.inputs["values"]["volumes"]["data"]["mode"] == "dynamic"
    host = names.subdomain_host(tenant.host_label, settings.app_domain)
    ingress = k8s_named(stack, "Ingress", "tenant").inputs["spec"]
    assert [rule["host"] for rule in ingress["rules"]] == [host]
    assert k8s_named(stack, "Certificate", "tenant-certificate").inputs["spec"]["dnsNames"] == [
        host
    ]
    temporal = one(
        stack, "temporalcloud:index/namespace:Namespace", f"{tenant_id}-temporal-namespace"
    ).inputs
    assert temporal["name"] == f"dev-{tenant_id}" and temporal["apiKeyAuth"] is True
    expected_retention = (
        tenant.temporal.retention_days if tenant.temporal and tenant.temporal.retention_days else 14
    )
    assert temporal["retentionDays"] == expected_retention
    account = one(
        stack,
        "temporalcloud:index/serviceAccount:ServiceAccount",
        f"{tenant_id}-temporal-service-account",
    )
    assert len(account.inputs["namespaceAccesses"]) == 1
    assert k8s_named(stack, "Secret", "temporal-api-key").inputs["metadata"]["namespace"] == ns
    app = one(stack, "kubernetes:helm.sh/v3:Release", f"{tenant_id}-app-release").inputs
    # An OCI registry goes in `chart` whole; Helm refuses it as a repository.
    assert app["chart"] == f"{settings.app_chart.repository}/{settings.app_chart.chart}"
    assert app["version"] == settings.app_chart.version and "repositoryOpts" not in app
    values = k8s_named(stack, "ConfigMap", f"{tenant_id}-app-values").inputs["data"]
    assert values["BUCKET"] == names.uploads_bucket("dev", PROJECT, tenant_id)
    assert values["TEMPORAL_NAMESPACE"].startswith(f"dev-{tenant_id}.")
    assert k8s_named(stack, "Secret", f"{tenant_id}-app-secrets").inputs["stringData"] == "[secret]"
    record = one(stack, "gcp:dns/recordSet:RecordSet", f"{tenant_id}-host")
    assert record.inputs["name"] == f"{host}." and record.inputs["managedZone"] == "dev-app"
    assert not of_type(stack, "gcp:identityplatform/tenant:Tenant")  # in the platform stack
    assert values["IDENTITY_PLATFORM_TENANT"].endswith(f"/tenants/{tenant_id}-a1b2c")


def test_standard_overrides_reach_the_resources(sample_plan) -> None:
    stack = sample_plan.stack("dev.coinbase")
    quota = k8s_named(stack, "ResourceQuota", "tenant-quota").inputs["spec"]["hard"]
    assert quota["requests.cpu"] == "8" and quota["requests.memory"] == "16Gi"
    sql = one(stack, "gcp:sql/databaseInstance:DatabaseInstance", "coinbase-postgres-1").inputs[
        "settings"
    ]
    assert sql["tier"] == "db-custom-2-7680" and sql["availabilityType"] == "ZONAL"
    # storage_quota_gb: 100 reaches both storage alerts (80% and 100% of the quota).
    for share in (80, 100):
        alert = one(
            stack, "gcp:monitoring/alertPolicy:AlertPolicy", f"coinbase-alerts-storage-{share}"
        )
        threshold = alert.inputs["conditions"][0]["conditionThreshold"]["thresholdValue"]
        assert threshold == share / 100 * 100 * 1024**3


# --- DedicatedCluster -----------------------------------------------------------------------------


def test_dedicated_cluster(sample_plan, registry) -> None:
    tenant = registry.get("robinhood")
    stack = sample_plan.stack("dev.robinhood")
    project_id = names.dedicated_project_id("dev", "robinhood")
    project = one(stack, "gcp:organizations/project:Project", "robinhood-project")
    assert project.inputs["projectId"] == project_id and project.options.protect
    assert len(of_type(stack, "gcp:projects/service:Service")) >= 10
    cluster = one(stack, "gcp:container/cluster:Cluster", "robinhood-cluster").inputs
    assert cluster["name"] == "robinhood-gke" and cluster["location"] == tenant.region
    pools = {p.inputs["name"]: p.inputs for p in of_type(stack, "gcp:container/nodePool:NodePool")}
    assert {n: p["nodeConfig"]["machineType"] for n, p in pools.items()} == {
        p.name: p.machine_type for p in tenant.node_pools
    }
    assert of_type(stack, "gcp:compute/network:Network")[0].inputs["name"] == "robinhood-vpc"
    peering = of_type(stack, "gcp:compute/networkPeering:NetworkPeering")[0].inputs
    assert peering["peerNetwork"] == tenant.vpc_peering.network
    assert of_type(stack, "gcp:compute/firewall:Firewall")
    instances = of_type(stack, "gcp:sql/databaseInstance:DatabaseInstance")
    primaries = [i for i in instances if "masterInstanceName" not in i.inputs]
    replicas = [i for i in instances if "masterInstanceName" in i.inputs]
    assert len(primaries) == 3 and len(replicas) == 3
    assert all(p.inputs["settings"]["availabilityType"] == "REGIONAL" for p in primaries)
    assert all(p.inputs["project"] == project_id for p in instances)
    assert all(r.inputs["settings"]["backupConfiguration"]["enabled"] is False for r in replicas)
    neo4j = [r for r in of_type(stack, "kubernetes:helm.sh/v3:Release") if "neo4j" in r.name]
    assert len(neo4j) == 3 and all(
        r.inputs["values"]["neo4j"]["minimumClusterSize"] == 3 for r in neo4j
    )
    firestore = of_type(stack, "gcp:firestore/database:Database")[0]
    assert firestore.inputs["project"] == project_id
    key = of_type(stack, "gcp:kms/cryptoKey:CryptoKey")[0]
    assert key.inputs["rotationPeriod"] == f"{90 * 86400}s" and key.options.protect
    bucket = one(stack, "gcp:storage/bucket:Bucket", f"{tenant.id}-uploads-bucket").inputs
    assert bucket["encryption"]["defaultKmsKeyName"]
    # access logs go to a log bucket of the tenant's own
    assert bucket["logging"]["logBucket"] == f"{bucket['name']}-logs"
    assert (
        k8s_named(stack, "Ingress", "tenant").inputs["spec"]["rules"][0]["host"]
        == tenant.custom_domain
    )
    assert of_type(
        stack, "kubernetes:cert-manager.io/v1:ClusterIssuer"
    )  # its own ingress and issuer
    sink = of_type(stack, "gcp:logging/projectSink:ProjectSink")[0].inputs
    assert (
        sink["destination"] == tenant.log_sink.destination and sink["uniqueWriterIdentity"] is True
    )
    temporal = of_type(stack, "temporalcloud:index/namespace:Namespace")[0].inputs
    assert (
        temporal["regions"] == ["gcp-us-east4", "gcp-us-central1"]
        and temporal["retentionDays"] == 60
    )
    assert not of_type(stack, "gcp:identityplatform/tenant:Tenant")
    idp = one(
        sample_plan.stack("dev"), "gcp:identityplatform/tenant:Tenant", "robinhood-identity-idp"
    )
    assert idp.inputs["project"] == PROJECT  # the control plane stays shared


CONFIG_LABEL_TYPES = {
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
}


def test_labels_on_every_gcp_resource_that_takes_them(sample_plan) -> None:
    label_keys = {"labels", "resourceLabels", "userLabels"}
    checked = 0
    for stack in sample_plan.stacks:
        for resource in stack.resources:
            # Where `labels` configure the resource (a channel's email_address, an uptime check's
            # monitored host), only userLabels carry ownership.
            keys = {"userLabels"} if resource.type in CONFIG_LABEL_TYPES else label_keys
            found = _find_label_maps(resource.inputs, keys)
            for labels in found:
                checked += 1
                assert {"tenant", "tier", "environment"} <= set(labels), (
                    f"{stack.name}: {resource.urn}"
                )
                if stack.tenant:
                    assert labels["tenant"] == stack.tenant, resource.urn
    assert checked > 40


def _find_label_maps(value: Any, keys: set[str]) -> Iterator[dict]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, dict) and not key.startswith("tenancy"):
                yield item
            elif key not in ("metadata", "values"):  # Kubernetes labels are checked separately
                yield from _find_label_maps(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _find_label_maps(item, keys)


# --- isolation: walk the recorded graph -----------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def cross_tenant_references(plan: Plan, tenant_ids: list[str], env: str = "dev") -> list[str]:
    """Every place where a resource owned by one tenant mentions another tenant's resources."""
    fingerprints = {
        t: {
            value
            for label, (_, value) in names.tenant_names(env, PROJECT, t).items()
            if label != "subdomain"
        }
        for t in tenant_ids
    }
    urn_owner = {r.urn: s.tenant for s in plan.stacks for r in s.resources}
    findings = []
    for stack in plan.stacks:
        for resource in stack.resources:
            owner = stack.tenant or _free_owner(resource)
            if owner is None:
                continue
            for dependency in resource.dependencies + (
                [resource.parent] if resource.parent else []
            ):
                if urn_owner.get(dependency) not in (owner, None):
                    findings.append(f"{resource.urn} depends on {dependency}")
            for text in _strings(resource.inputs):
                for other, marks in fingerprints.items():
                    if other != owner and any(mark in text for mark in marks):
                        findings.append(f"{resource.urn} mentions {other}: {text}")
    return findings


def _free_owner(resource: PlanResource) -> str | None:
    meta = resource.inputs.get("metadata", {})
    tenant = meta.get("labels", {}).get("tenancy.io/tenant") if isinstance(meta, dict) else None
    if resource.type == "gcp:identityplatform/tenant:Tenant":
        return resource.inputs.get("displayName")
    return tenant if tenant not in (None, "shared", "free-tier") else None


def test_no_tenant_refers_to_another(sample_plan, registry) -> None:
    assert cross_tenant_references(sample_plan, [t.id for t in registry.tenants]) == []


def test_the_walker_catches_a_cross_tenant_grant(sample_plan, registry) -> None:
    broken = Plan.from_dict(copy.deepcopy(sample_plan.to_dict()))
    grant = one(
        broken.stack("dev.coinbase"),
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        "coinbase-uploads-object-admin",
    )
    grant.inputs["member"] = f"serviceAccount:stripe-workload@{PROJECT}.iam.gserviceaccount.com"
    findings = cross_tenant_references(broken, [t.id for t in registry.tenants])
    assert len(findings) == 1 and "mentions stripe" in findings[0]


# --- Kubernetes objects against the real schemas --------------------------------------------------

# Custom resources (not in the core schemas) and the API group each must come from.
CRD_KINDS = {
    "Certificate": "cert-manager.io/v1",
    "ClusterIssuer": "cert-manager.io/v1",
    "PodMonitoring": "monitoring.googleapis.com/v1",  # Managed Service for Prometheus
    "VolumeSnapshotClass": "snapshot.storage.k8s.io/v1",  # CSI snapshots
    "NetworkLogging": "networking.gke.io/v1alpha1",  # GKE Dataplane V2 policy logging
    # External Secrets Operator: an enterprise tenant's own certificate (issue 16)
    "SecretStore": "external-secrets.io/v1",
    "ExternalSecret": "external-secrets.io/v1",
}


def k8s_manifests(plan: Plan) -> Iterator[tuple[str, dict]]:
    for stack in plan.stacks:
        for resource in stack.resources:
            if (
                not resource.type.startswith("kubernetes:")
                or resource.type == "kubernetes:helm.sh/v3:Release"
            ):
                continue
            manifest = copy.deepcopy(resource.inputs)
            # Masked secret payloads are not part of the schema check.
            for key in ("stringData", "data"):
                if manifest.get(key) == "[secret]":
                    manifest[key] = {}
            yield f"{stack.name}: {resource.urn}", manifest


def test_every_kubernetes_object_validates_against_the_schemas(sample_plan) -> None:
    validated, kinds = 0, set()
    for where, manifest in k8s_manifests(sample_plan):
        if manifest["kind"] in CRD_KINDS:
            assert manifest["apiVersion"] == CRD_KINDS[manifest["kind"]], where
            continue
        try:
            kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where}: {exc.message} at {list(exc.path)}")
        validated += 1
        kinds.add(manifest["kind"])
    assert {
        "Namespace",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "Ingress",
        "StorageClass",
        "Job",
        "CronJob",  # the Neo4j backups and Firestore exports
        "Deployment",
        "Role",
        "RoleBinding",
    } <= kinds
    assert validated > 60


def test_the_schema_check_rejects_a_broken_object(sample_plan) -> None:
    _, manifest = next(
        (w, m) for w, m in k8s_manifests(sample_plan) if m["kind"] == "ResourceQuota"
    )
    manifest["spec"]["hardd"] = manifest["spec"].pop("hard")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def test_self_hosted_temporal_uses_the_dynamic_provider(registry, settings) -> None:
    from domain.environment import TemporalSettings
    from domain.stacks import select_stacks
    from tenancy.plan.engine import plan_stacks

    self_hosted = settings.model_copy(
        update={
            "temporal": TemporalSettings(
                backend="self-hosted", endpoint="temporal-frontend.temporal.svc:7233"
            )
        }
    )
    plan = plan_stacks(select_stacks(registry, "dev", ["stripe"]), self_hosted, registry, workers=1)
    stack = plan.stack("dev.stripe")
    assert not [r for r in stack.resources if r.type.startswith("temporalcloud:")]
    namespace = one(
        stack, "pulumi-python:dynamic/temporal:SelfHostedNamespace", "stripe-temporal-namespace"
    )
    assert (
        namespace.inputs["namespace"] == "dev-stripe" and namespace.inputs["retention_days"] == 14
    )
    assert (
        namespace.inputs["__provider"] == "[secret]"
    )  # the pickled provider never reaches the plan file
    assert namespace.options.protect
    values = k8s_named(stack, "ConfigMap", "stripe-app-values").inputs["data"]
    assert values["TEMPORAL_ADDRESS"] == "temporal-frontend.temporal.svc:7233"


def test_migrations_run_as_the_owner_and_services_log_in_as_a_non_owner(sample_plan) -> None:
    stack = sample_plan.stack("dev.coinbase")
    job = next(r for r in stack.resources if r.type == "kubernetes:batch/v1:Job")
    spec = job.inputs["spec"]["template"]["spec"]
    migrate = [c for c in spec["containers"] if c["name"].startswith("migrate-")]
    assert len(migrate) == 3
    keys = []
    for container in migrate:
        iam_user = f"coinbase-workload@{PROJECT}.iam"
        assert container["command"][-6:] == [
            "--grant-app-role-to",
            iam_user,
            "--app-tenant",
            "coinbase",
            "--password-file",
            "/var/run/secrets/tenancy-db/password",
        ]
        # The owner's password is a mounted file, never an environment variable (CKV_K8S_35).
        assert not any("valueFrom" in e for e in container["env"])
        (mount,) = [m for m in container["volumeMounts"] if m["name"].startswith("password-")]
        secret = next(v for v in spec["volumes"] if v["name"] == mount["name"])["secret"]
        keys.append(secret["items"][0]["key"])
        assert (
            secret["secretName"] != "coinbase-app-secrets"
        )  # the services never see the owner's password
    assert len(set(keys)) == 3  # each instance has its own password
    users = sorted(r.inputs["name"] for r in stack.resources if r.type == "gcp:sql/user:User")
    assert users == [iam_user] * 3 + ["migrator"] * 3


def test_neo4j_uri_names_a_service_that_exists_and_labels_reach_the_pods(sample_plan) -> None:
    """Finding 18: the chart names Services after each release; in cluster mode a Service of our
    own spans the members. Extra labels go in neo4j.labels; the LimitRange fits the volume."""
    for tenant_id, clustered in (("robinhood", True), ("coinbase", False)):
        stack = sample_plan.stack(f"dev.{tenant_id}")
        values = k8s_named(stack, "ConfigMap", f"{tenant_id}-app-values").inputs["data"]
        host = values["NEO4J_URI"].removeprefix("neo4j://").split(".", 1)[0]
        releases = [r for r in of_type(stack, "kubernetes:helm.sh/v3:Release") if "neo4j" in r.name]
        release_names = {r.inputs["name"] for r in releases}
        services = {
            r.inputs["metadata"]["name"]
            for r in of_type(stack, "kubernetes:core/v1:Service")
            if r.inputs.get("metadata")
        }
        if clustered:
            assert host not in release_names and host in services
            service = k8s_named(stack, "Service", host).inputs["spec"]
            assert service["selector"] == {"helm.neo4j.com/neo4j.name": host}
        else:
            assert host in release_names  # the chart's <release> Service
        for release in releases:
            values_neo4j = release.inputs["values"]["neo4j"]
            assert values_neo4j["labels"]["tenancy.io/tenant"] == tenant_id
            assert "podLabels" not in release.inputs["values"]
            storage = release.inputs["values"]["volumes"]["data"]["dynamic"]["requests"]["storage"]
            limits = k8s_named(stack, "LimitRange", "tenant-limits").inputs["spec"]["limits"]
            cap = next(i for i in limits if i["type"] == "PersistentVolumeClaim")["max"]["storage"]
            assert int(storage.removesuffix("Gi")) <= int(cap.removesuffix("Gi"))
