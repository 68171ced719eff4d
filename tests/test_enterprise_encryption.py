"""Enterprise encryption and certificates (issue 16): the tenant's own keys on Cloud SQL, Firestore
and GKE secrets with the right service agents, a customer-provided certificate read by the cluster
(never by Pulumi), each option refused outside its tier or its own project, and the replacing
changes refused for an existing tenant."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from support import ENTERPRISE, STANDARD, of_type, plan_stack, tenant_problems

from domain import names
from domain.plan_model import PlanResource, PlanStack

PROJECT = names.dedicated_project_id("dev", "globex")


def _named(stack: PlanStack, name: str) -> PlanResource:
    (found,) = [r for r in stack.resources if r.name == name]
    return found


# --- CMEK ---------------------------------------------------------------------------------------


def test_globex_keys_live_in_its_project_and_rotate(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    rings = [
        r for r in of_type(stack, "gcp:kms/keyRing:KeyRing") if r.inputs["name"] == "globex-cmek"
    ]
    # one per location: the region, Firestore's nam5 (KMS multi-region us), the replica's region
    assert sorted(r.inputs["location"] for r in rings) == ["us", "us-central1", "us-east1"]
    assert all(r.inputs["project"] == PROJECT and r.options.protect for r in rings)
    keys = {
        r.inputs["name"]: r
        for r in of_type(stack, "gcp:kms/cryptoKey:CryptoKey")
        if r.parent and "TenantKeys" in r.parent
    }
    assert sorted(keys) == [
        "globex-cloudsql",
        "globex-cloudsql-replica",
        "globex-firestore",
        "globex-gke",
    ]
    for key in keys.values():
        assert key.inputs["rotationPeriod"] == f"{90 * 86400}s"
        assert key.options.protect is True


def test_each_key_is_granted_to_its_own_service_agent_only(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    grants = {
        r.name: r.inputs["member"]
        for r in of_type(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        if r.name.startswith("globex-keys-")
    }
    assert grants == {
        "globex-keys-cloudsql-agent": (
            "serviceAccount:service-123456789012@gcp-sa-cloud-sql.iam.gserviceaccount.com"
        ),
        "globex-keys-cloudsql-replica-agent": (
            "serviceAccount:service-123456789012@gcp-sa-cloud-sql.iam.gserviceaccount.com"
        ),
        "globex-keys-firestore-agent": (
            "serviceAccount:service-123456789012@gcp-sa-firestore.iam.gserviceaccount.com"
        ),
        "globex-keys-gke-agent": (
            "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com"
        ),
    }
    identities = {
        r.inputs["service"]
        for r in of_type(stack, "gcp:projects/serviceIdentity:ServiceIdentity")
        if r.name.startswith("globex-keys-")
    }
    assert identities == {"sqladmin.googleapis.com", "firestore.googleapis.com"}


def test_databases_and_cluster_use_the_keys_after_their_grants(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    grant = {r.name: r.urn for r in stack.resources}
    for instance in of_type(stack, "gcp:sql/databaseInstance:DatabaseInstance"):
        key = str(instance.inputs.get("encryptionKeyName"))
        # each instance a key of its own region: the cross-region replica its region's key
        assert f"/locations/{instance.inputs['region']}/" in key, instance.name
        assert key.endswith(
            "/globex-cloudsql-replica" if instance.name.endswith("-xr") else "/globex-cloudsql"
        )
    primaries = [
        i
        for i in of_type(stack, "gcp:sql/databaseInstance:DatabaseInstance")
        if "masterInstanceName" not in i.inputs
    ]
    assert primaries and all(
        grant["globex-keys-cloudsql-agent"] in i.dependencies for i in primaries
    )
    (database,) = of_type(stack, "gcp:firestore/database:Database")
    key = database.inputs["cmekConfig"]["kmsKeyName"]
    assert "/locations/us/" in key and key.endswith("/globex-firestore")  # nam5 takes KMS us
    assert grant["globex-keys-firestore-agent"] in database.dependencies
    (cluster,) = of_type(stack, "gcp:container/cluster:Cluster")
    encryption = cluster.inputs["databaseEncryption"]
    assert encryption["state"] == "ENCRYPTED" and "globex-gke" in str(encryption["keyName"])
    assert grant["globex-keys-gke-agent"] in cluster.dependencies


def test_a_tenant_without_encryption_gets_no_keys(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.robinhood")
    assert not [r for r in stack.resources if r.parent and "TenantKeys" in r.parent]
    for instance in of_type(stack, "gcp:sql/databaseInstance:DatabaseInstance"):
        assert "encryptionKeyName" not in instance.inputs
    (cluster,) = of_type(stack, "gcp:container/cluster:Cluster")
    assert "databaseEncryption" not in cluster.inputs


# --- the customer's certificate -------------------------------------------------------------------


def test_globex_serves_its_own_certificate_read_by_the_cluster(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    kinds = {
        r.type.rsplit(":", 1)[1]: r for r in stack.resources if r.type.startswith("kubernetes:")
    }
    assert "Certificate" not in kinds  # no ACME certificate
    external = kinds["ExternalSecret"]
    assert external.inputs["spec"]["dataFrom"] == [{"extract": {"key": "globex-travel-tls"}}]
    assert external.inputs["spec"]["target"]["name"] == "tenant-tls"
    assert external.inputs["spec"]["target"]["template"] == {"type": "kubernetes.io/tls"}
    assert external.inputs["metadata"]["namespace"] == names.k8s_namespace("globex")
    store = kinds["SecretStore"].inputs["spec"]["provider"]["gcpsm"]
    assert store["projectID"] == PROJECT
    # its own reader, not the app's identity (tests/test_enterprise_certificate_reader.py)
    assert store["auth"]["workloadIdentity"]["serviceAccountRef"] == {
        "name": names.CERTIFICATE_READER_KSA
    }
    (access,) = of_type(stack, "gcp:secretmanager/secretIamMember:SecretIamMember")
    assert access.inputs["secretId"] == "globex-travel-tls" and access.inputs["project"] == PROJECT
    assert access.inputs["role"] == "roles/secretmanager.secretAccessor"
    account = names.certificate_reader_account_id("globex")
    assert access.inputs["member"].startswith(f"serviceAccount:{account}@")
    ingresses = of_type(stack, "kubernetes:networking.k8s.io/v1:Ingress")
    assert ingresses  # the public one, and the private one globex also has
    for ingress in ingresses:
        assert ingress.inputs["spec"]["tls"][0]["secretName"] == "tenant-tls"
        assert external.urn in ingress.dependencies


def test_other_enterprise_tenants_keep_acme(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.robinhood")
    kinds = [r.type.rsplit(":", 1)[1] for r in stack.resources if r.type.startswith("kubernetes:")]
    assert "Certificate" in kinds and "ExternalSecret" not in kinds


def test_no_key_material_is_in_the_plan(sample_plan) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    text = json.dumps([asdict(r) for r in stack.resources], default=str)
    assert "PRIVATE KEY" not in text and "tls.key" not in text
    # Pulumi never reads the secret: no secret version, no secret data anywhere in the stack
    assert not [r for r in stack.resources if "secretVersion" in r.type]
    assert "secretData" not in text


# --- validation -----------------------------------------------------------------------------------


BAD_FILES = [
    (
        STANDARD.format(id="stdkeys") + "encryption:\n  cloudsql_cmek: true\n",
        "stdkeys.yaml:8: encryption.cloudsql_cmek: tier 'standard' may not override this",
    ),
    (
        STANDARD.format(id="stdcert") + "tls:\n  certificate_secret: my-cert\n",
        "stdcert.yaml:8: tls.certificate_secret: tier 'standard' may not override this",
    ),
    (
        ENTERPRISE.format(id="sharedkeys").replace("dedicated_project: true", "")
        + "encryption:\n  firestore_cmek: true\n",
        "sharedkeys.yaml:13: encryption.firestore_cmek: needs dedicated_project: true (the keys "
        "live in the tenant's own project",
    ),
    (
        ENTERPRISE.format(id="sharedcert").replace("dedicated_project: true", "")
        + "tls:\n  certificate_secret: my-cert\n",
        "sharedcert.yaml:13: tls.certificate_secret: needs dedicated_project: true",
    ),
    (
        ENTERPRISE.format(id="badsecret") + "tls:\n  certificate_secret: projects/x/secrets/y\n",
        "tls.certificate_secret: 'projects/x/secrets/y' must be a Secret Manager secret id",
    ),
    (
        ENTERPRISE.format(id="yeskeys") + "encryption:\n  gke_secrets_cmek: 'yes'\n",
        "encryption.gke_secrets_cmek: must be true or false",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD_FILES, ids=[b[1][:40] for b in BAD_FILES])
def test_each_option_is_refused_where_it_does_not_belong(
    tenants_dir, settings, body, expected
) -> None:
    tenant_id = body.split("id: ", 1)[1].split("\n", 1)[0]
    problems = tenant_problems(tenants_dir, settings, f"{tenant_id}.yaml", body)
    assert any(expected in p for p in problems), "\n".join(problems)
