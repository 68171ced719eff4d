"""MigrationJob under Pulumi mocks: the ConfigMap carries every migration file, and the Job is a
valid Kubernetes 1.30 object whose pod passes the Pod Security "restricted" profile."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.blocks.migration_job import MigrationJob, MigrationJobArgs
from tenancy.db.migrations import DEFAULT_MIGRATIONS_DIR, load_migrations

KUBERNETES_VERSION = "1.30.0"
INSTANCES = ["proj:europe-west1:acme-postgres-1", "proj:europe-west1:acme-postgres-2"]


class RecordingMocks(pulumi.runtime.Mocks):
    """Returns inputs as outputs (plus the auto-name Kubernetes would get) and remembers them."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ.startswith("kubernetes:") and "metadata" in outputs:
            outputs["metadata"] = {"name": f"{args.name}-x1y2z3", **outputs["metadata"]}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="tenancy", stack="test", preview=False)
    return recording


def _args(**overrides: Any) -> MigrationJobArgs:
    values: dict[str, Any] = dict(
        namespace="tenant-acme",
        service_account_name="tenant-acme-sa",
        instance_connection_names=INSTANCES,
        database="app",
        db_user="migrator",
        password_secret_name="acme-app-secrets",
        password_secret_key=["POSTGRES_1_PASSWORD", "POSTGRES_2_PASSWORD"],
        image="registry.example/tenancy:1.2.3",
        labels={"tenancy.io/tenant": "acme", "tenancy.io/tier": "standard"},
    )
    return MigrationJobArgs(**{**values, **overrides})


def _job_manifest(mocks: RecordingMocks) -> dict[str, Any]:
    (job,) = mocks.of_type("kubernetes:batch/v1:Job")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        **{k: v for k, v in job.inputs.items() if k not in ("apiVersion", "kind")},
    }


def _restricted_violations(pod: dict[str, Any]) -> list[str]:
    """The checks of the Pod Security Standards' restricted profile (baseline included)."""
    problems: list[str] = []
    pod_security = pod.get("securityContext", {})
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            problems.append(f"pod sets {flag}")
    allowed_volumes = {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= allowed_volumes:
            problems.append(f"volume {volume['name']} uses {kinds - allowed_volumes}")
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        name, security = container["name"], container.get("securityContext", {})
        if security.get("privileged"):
            problems.append(f"{name} is privileged")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name} does not set allowPrivilegeEscalation: false")
        capabilities = security.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            problems.append(f"{name} does not drop ALL capabilities")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name} adds capabilities")
        if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
            problems.append(f"{name} may run as root")
        if security.get("runAsUser", pod_security.get("runAsUser")) == 0:
            problems.append(f"{name} runs as uid 0")
        seccomp = security.get("seccompProfile", pod_security.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name} has no RuntimeDefault seccomp profile")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            problems.append(f"{name} uses a host port")
        if not container.get("resources", {}).get("limits") or not container.get(
            "resources", {}
        ).get("requests"):
            problems.append(f"{name} has no resource requests and limits")  # ours, not PSS
    return problems


@pulumi.runtime.test
def test_configmap_holds_every_migration_file(mocks: RecordingMocks):
    job = MigrationJob("acme-migrations", _args())

    def check(_: Any) -> None:
        (config_map,) = mocks.of_type("kubernetes:core/v1:ConfigMap")
        expected = {m.file_name: m.sql for m in load_migrations(DEFAULT_MIGRATIONS_DIR)}
        assert config_map.inputs["data"] == expected
        assert sorted(p.name for p in DEFAULT_MIGRATIONS_DIR.glob("*.sql")) == sorted(expected)
        assert config_map.inputs["metadata"]["namespace"] == "tenant-acme"

    return job.config_map_name.apply(check)


@pulumi.runtime.test
def test_job_is_valid_kubernetes_and_pss_restricted(mocks: RecordingMocks):
    job = MigrationJob("acme-migrations", _args())

    def check(_: Any) -> None:
        manifest = _job_manifest(mocks)
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        spec = manifest["spec"]
        # Kept after it finishes: a Job the TTL controller deleted is drift on every refresh.
        assert spec["backoffLimit"] >= 1 and "ttlSecondsAfterFinished" not in spec
        pod = spec["template"]["spec"]
        assert _restricted_violations(pod) == []
        assert pod["serviceAccountName"] == "tenant-acme-sa" and pod["restartPolicy"] == "Never"

        (proxy,) = pod["initContainers"]
        assert proxy["restartPolicy"] == "Always"  # a native sidecar
        assert proxy["image"].startswith("gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.")
        assert "--private-ip" in proxy["args"] and proxy["args"][-2:] == INSTANCES
        assert "--auto-iam-authn" not in proxy["args"]
        assert proxy["startupProbe"]["httpGet"]["path"] == "/startup"

        migrate = pod["containers"]
        assert [c["command"][:4] for c in migrate] == [["tenancy", "db", "migrate", "--dsn"]] * 2
        assert "port=5432" in migrate[0]["command"][4] and "port=5433" in migrate[1]["command"][4]
        keys = ["POSTGRES_1_PASSWORD", "POSTGRES_2_PASSWORD"]
        for index, (container, key) in enumerate(zip(migrate, keys, strict=True), start=1):
            assert "password" not in container["command"][4]
            # The password is a file of its own Secret volume: not in the environment
            # (Checkov CKV_K8S_35), not in the command line, not in another container's mount.
            assert container["command"][-2:] == [
                "--password-file",
                "/var/run/secrets/tenancy-db/password",
            ]
            env = {e["name"]: e for e in container["env"]}
            assert "PGPASSWORD" not in env and not any("valueFrom" in e for e in env.values())
            assert {
                "name": f"password-{index}",
                "mountPath": "/var/run/secrets/tenancy-db",
                "readOnly": True,
            } in container["volumeMounts"]
            (volume,) = [v for v in pod["volumes"] if v["name"] == f"password-{index}"]
            assert volume["secret"] == {
                "secretName": "acme-app-secrets",
                "items": [{"key": key, "path": "password"}],
                "defaultMode": 0o440,
            }
            assert env["TENANCY_MIGRATIONS_DIR"]["value"] == "/migrations"
            assert {
                "name": "migrations",
                "mountPath": "/migrations",
                "readOnly": True,
            } in container["volumeMounts"]
        (volume,) = [v for v in pod["volumes"] if v["name"] == "migrations"]
        assert volume["configMap"]["name"] == "acme-migrations-sql-x1y2z3"
        labels = spec["template"]["metadata"]["labels"]
        assert (
            labels["tenancy.io/tenant"] == "acme"
            and labels["app.kubernetes.io/component"] == "db-migrations"
        )

    return job.job_name.apply(check)


@pulumi.runtime.test
def test_iam_authentication_without_a_password_secret(mocks: RecordingMocks):
    job = MigrationJob(
        "iam-migrations", _args(password_secret_name=None, instance_connection_names=INSTANCES[:1])
    )

    def check(_: Any) -> None:
        pod = _job_manifest(mocks)["spec"]["template"]["spec"]
        kubernetes_validate.validate(_job_manifest(mocks), KUBERNETES_VERSION, strict=True)
        assert "--auto-iam-authn" in pod["initContainers"][0]["args"]
        assert all(e["name"] != "PGPASSWORD" for e in pod["containers"][0]["env"])
        assert "--password-file" not in pod["containers"][0]["command"]
        assert not any(v["name"].startswith("password-") for v in pod["volumes"])

    return job.job_name.apply(check)


@pulumi.runtime.test
def test_children_use_the_provider_given_to_the_component(mocks: RecordingMocks):
    provider = k8s.Provider("tenant-cluster")
    job = MigrationJob("acme-migrations", _args(), opts=pulumi.ResourceOptions(provider=provider))

    def check(_: Any) -> None:
        children = mocks.of_type("kubernetes:core/v1:ConfigMap") + mocks.of_type(
            "kubernetes:batch/v1:Job"
        )
        assert len(children) == 2
        for child in children:
            assert child.provider and "tenant-cluster" in child.provider

    return pulumi.Output.all(job.job_name, job.config_map_name).apply(check)


def test_mismatched_password_keys_are_rejected(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="lists 1 keys for 2 instances"):
        MigrationJob("bad", _args(password_secret_key=["ONLY_ONE"]))
