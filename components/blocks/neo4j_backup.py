"""Scheduled online backups of a tenant's Neo4j, kept for the tier's retention.

Two mechanisms, because Neo4j's online backup is an Enterprise Edition feature (Neo4j Operations
Manual, "Back up an online database": ``neo4j-admin database backup`` is Enterprise only; the
Community Edition can only ``dump`` a stopped database):
- Enterprise edition (the enterprise tier's 3-member cluster): a CronJob runs
  ``neo4j-admin database backup`` against the members' backup port (6362) and writes the backup
  artifacts straight to the tenant's bucket under ``neo4j-backups/`` (cloud ``--to-path`` targets:
  ``gs://`` since Neo4j 5.21, Operations Manual "Back up an online database", cloud storage);
  the bucket's lifecycle rule on that prefix enforces the retention.
- Community edition (standard tenants): a CronJob takes a CSI VolumeSnapshot of the data volume
  (GKE docs, "Back up Persistent Disk storage using volume snapshots", driver
  ``pd.csi.storage.gke.io``) while Neo4j runs; the snapshot is crash-consistent and Neo4j recovers
  it from its transaction logs on start. The same job prunes snapshots older than the retention.

Restore is documented in docs/operations.md ("Restore Neo4j").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.gke_cluster import RETAINED_STORAGE_CLASS, SNAPSHOT_CLASS
from components.blocks.scheduled_job import APP_LABEL, scheduled_job
from components.conventions import Ownership, child, restricted_container_security

BACKUP_PREFIX = "neo4j-backups"
SCHEDULE = "17 2 * * *"  # daily, off the hour
BACKUP_PORT = 6362
BACKUP_APP = "neo4j-backup"  # the snapshotter's egress policy selects its pods by it
# Prunes by creation time; tested against a fake kubectl in tests/test_neo4j_backup.py.
SNAPSHOT_SCRIPT = """\
set -eu
stamp=$(date -u +%Y%m%d%H%M%S)
kubectl apply -f - <<EOF
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata:
  name: ${RELEASE}-${stamp}
  namespace: ${NAMESPACE}
  labels: {tenancy.io/backup-of: ${RELEASE}}
spec:
  volumeSnapshotClassName: ${SNAPSHOT_CLASS}
  source: {persistentVolumeClaimName: ${PVC}}
EOF
cutoff=$(( $(date -u +%s) - RETENTION_DAYS * 86400 ))
kubectl get volumesnapshots -n "${NAMESPACE}" -l "tenancy.io/backup-of=${RELEASE}" \\
  -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.creationTimestamp}{"\\n"}{end}' |
while read -r name created; do
  [ -n "$name" ] || continue
  if [ "$(date -u -d "$created" +%s)" -lt "$cutoff" ]; then
    kubectl delete volumesnapshot -n "${NAMESPACE}" "$name"
  fi
done
"""


@dataclass
class Neo4jBackupArgs:
    release_name: str
    namespace: pulumi.Input[str]
    namespace_name: str
    service_account: str  # the tenant KSA: Workload Identity grants it the tenant bucket
    enterprise_edition: bool
    members: list[str]
    bucket_name: pulumi.Input[str]
    retention_days: int
    neo4j_image: str  # enterprise edition image matching the chart's Neo4j version
    kubectl_image: str
    api_server_cidrs: list[str]  # the control plane's private endpoint: the snapshotter calls it
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None
    schedule: str = SCHEDULE  # an enterprise tenant's `databases.exports.schedule`


class Neo4jBackup(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: Neo4jBackupArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:Neo4jBackup", name, {}, opts)
        own = args.ownership
        on_k8s = child(self, provider=args.k8s_provider)
        if args.enterprise_edition:
            container, service_account = self._online_backup(args), args.service_account
        else:
            service_account = f"{args.release_name}-snapshotter"
            container = self._snapshot(name, args, on_k8s, service_account)
        scheduled_job(
            name,
            parent=self,
            provider=args.k8s_provider,
            ownership=own,
            job_name=f"{args.release_name}-backup",
            namespace=args.namespace,
            schedule=args.schedule,
            app=BACKUP_APP,
            service_account=service_account,
            containers=[container],
            scratch=["scratch"],
            backoff_limit=2,
            active_deadline_seconds=3 * 3600,
            history_limit=3,
        )
        self.register_outputs({})

    @staticmethod
    def _online_backup(args: Neo4jBackupArgs) -> k8s.core.v1.ContainerArgs:
        sources = ",".join(
            f"{m}-admin.{args.namespace_name}.svc.cluster.local:{BACKUP_PORT}" for m in args.members
        )
        return k8s.core.v1.ContainerArgs(
            name="backup",
            image=args.neo4j_image,
            command=["neo4j-admin", "database", "backup"],
            args=pulumi.Output.from_input(args.bucket_name).apply(
                lambda bucket: [
                    f"--from={sources}",
                    f"--to-path=gs://{bucket}/{BACKUP_PREFIX}/",
                    "--type=AUTO",
                    "--include-metadata=all",
                    "--temp-path=/scratch",
                    "*",
                ]
            ),
            env=[k8s.core.v1.EnvVarArgs(name="NEO4J_ACCEPT_LICENSE_AGREEMENT", value="yes")],
            security_context=restricted_container_security(),
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="scratch", mount_path="/scratch")],
        )

    def _snapshot(
        self,
        name: str,
        args: Neo4jBackupArgs,
        on_k8s: pulumi.ResourceOptions,
        service_account: str,
    ) -> k8s.core.v1.ContainerArgs:
        own = args.ownership
        account = k8s.core.v1.ServiceAccount(
            f"{name}-snapshotter",
            metadata=own.k8s_meta(service_account, args.namespace),
            automount_service_account_token=True,
            opts=on_k8s,
        )
        role = k8s.rbac.v1.Role(
            f"{name}-snapshotter-role",
            metadata=own.k8s_meta(service_account, args.namespace),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=["snapshot.storage.k8s.io"],
                    resources=["volumesnapshots"],
                    verbs=["create", "get", "list", "patch", "delete"],
                )
            ],
            opts=on_k8s,
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-snapshotter-binding",
            metadata=own.k8s_meta(service_account, args.namespace),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=service_account
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount", name=service_account, namespace=args.namespace_name
                )
            ],
            opts=pulumi.ResourceOptions.merge(
                on_k8s, pulumi.ResourceOptions(depends_on=[account, role])
            ),
        )
        # The namespace denies egress by default; the snapshotter alone may reach the API server.
        k8s.networking.v1.NetworkPolicy(
            f"{name}-snapshotter-egress",
            metadata=own.k8s_meta(f"{service_account}-egress", args.namespace),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={APP_LABEL: BACKUP_APP}),
                policy_types=["Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[
                            k8s.networking.v1.NetworkPolicyPeerArgs(
                                ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr)
                            )
                            for cidr in args.api_server_cidrs
                        ],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=443)],
                    )
                ],
            ),
            opts=on_k8s,
        )
        return k8s.core.v1.ContainerArgs(
            name="snapshot",
            image=args.kubectl_image,
            command=["/bin/sh", "-c", SNAPSHOT_SCRIPT],
            env=[
                k8s.core.v1.EnvVarArgs(name="RELEASE", value=args.release_name),
                k8s.core.v1.EnvVarArgs(name="NAMESPACE", value=args.namespace_name),
                k8s.core.v1.EnvVarArgs(name="PVC", value=data_volume_claim(args.release_name)),
                k8s.core.v1.EnvVarArgs(name="SNAPSHOT_CLASS", value=SNAPSHOT_CLASS),
                k8s.core.v1.EnvVarArgs(name="RETENTION_DAYS", value=str(args.retention_days)),
            ],
            security_context=restricted_container_security(),
        )


def data_volume_claim(release: str) -> str:
    """The chart's StatefulSet (named after the release) claims ``data`` per member."""
    return f"data-{release}-0"


def restore_claim(release: str, namespace: str, snapshot: str, size_gb: int) -> dict:
    """Step 3 of the standard restore (docs/operations.md): a claim provisioned from a
    VolumeSnapshot (Kubernetes "Volume Snapshots": ``dataSource`` of kind VolumeSnapshot), on the
    retained class, so its volume outlives the claim and can be swapped in."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"{data_volume_claim(release)}-restore", "namespace": namespace},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": RETAINED_STORAGE_CLASS,
            "resources": {"requests": {"storage": f"{size_gb}Gi"}},
            "dataSource": {
                "apiGroup": "snapshot.storage.k8s.io",
                "kind": "VolumeSnapshot",
                "name": snapshot,
            },
        },
    }


def swapped_data_claim(release: str, namespace: str, volume: str, size_gb: int) -> dict:
    """Step 4: the member's data claim again, bound to the restored volume by name (the volume's
    ``claimRef`` must be cleared first: it is Released once the restore claim is deleted)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": data_volume_claim(release), "namespace": namespace},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": RETAINED_STORAGE_CLASS,
            "resources": {"requests": {"storage": f"{size_gb}Gi"}},
            "volumeName": volume,
        },
    }
