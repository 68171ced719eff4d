"""A hardened GKE cluster: private nodes, Workload Identity, Dataplane V2, shielded nodes,
a release channel, a dedicated node service account and no client certificate or legacy ABAC."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.volume_snapshot_class import VolumeSnapshotClass
from components.conventions import Ownership, child
from domain.registry.models import NodePool

RETAINED_STORAGE_CLASS = "tenancy-retained-ssd"
SNAPSHOT_CLASS = "tenancy-pd-snapshots"
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)


@dataclass
class AuthorizedCidr:
    name: str
    cidr: str


@dataclass
class GkeClusterArgs:
    cluster_name: str
    node_service_account_id: str
    project: pulumi.Input[str]
    region: str
    network: pulumi.Input[str]
    subnetwork: pulumi.Input[str]
    pods_range: str
    services_range: str
    master_ipv4_cidr: str
    authorized_networks: list[AuthorizedCidr]
    node_pools: list[NodePool]
    ownership: Ownership
    release_channel: str = "REGULAR"
    # Application-layer secrets encryption with the tenant's own KMS key (issue 16); in place.
    secrets_key: pulumi.Input[str] | None = None
    secrets_key_grant: pulumi.Resource | None = None


def kubeconfig(
    name: pulumi.Input[str], endpoint: pulumi.Input[str], ca_certificate: pulumi.Input[str]
) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (no static credentials)."""
    return pulumi.Output.all(name, endpoint, ca_certificate).apply(
        lambda v: (
            f"""apiVersion: v1
kind: Config
clusters:
- name: {v[0]}
  cluster:
    certificate-authority-data: {v[2]}
    server: https://{v[1]}
contexts:
- name: {v[0]}
  context: {{cluster: {v[0]}, user: {v[0]}}}
current-context: {v[0]}
users:
- name: {v[0]}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
      installHint: Install gke-gcloud-auth-plugin for kubectl and Pulumi to reach the cluster.
"""
        )
    )


class GkeCluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster
    provider: k8s.Provider

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:GkeCluster", name, {}, opts)
        labels = args.ownership.gcp_labels()
        node_sa = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=args.node_service_account_id,
            project=args.project,
            display_name=f"GKE nodes of {args.cluster_name}",
            opts=child(self),
        )
        grants = [
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[1].replace('.', '-').lower()}",
                project=args.project,
                role=role,
                member=node_sa.member,
                opts=child(self),
            )
            for role in NODE_ROLES
        ]
        self.cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            project=args.project,
            location=args.region,
            network=args.network,
            subnetwork=args.subnetwork,
            remove_default_node_pool=True,
            initial_node_count=1,
            deletion_protection=args.ownership.protected,
            datapath_provider="ADVANCED_DATAPATH",  # Dataplane V2 enforces NetworkPolicy
            database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(
                state="ENCRYPTED", key_name=args.secrets_key
            )
            if args.secrets_key is not None
            else None,
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            enable_kubernetes_alpha=False,
            enable_intranode_visibility=True,
            master_auth=gcp.container.ClusterMasterAuthArgs(
                client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(
                    issue_client_certificate=False
                )
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=False,
                master_ipv4_cidr_block=args.master_ipv4_cidr,
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=n.cidr, display_name=n.name
                    )
                    for n in args.authorized_networks
                ]
            ),
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=args.pods_range,
                services_secondary_range_name=args.services_range,
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=pulumi.Output.concat(args.project, ".svc.id.goog")
            ),
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=args.release_channel),
            binary_authorization=gcp.container.ClusterBinaryAuthorizationArgs(
                evaluation_mode="PROJECT_SINGLETON_POLICY_ENFORCE"
            ),
            logging_service="logging.googleapis.com/kubernetes",
            monitoring_service="monitoring.googleapis.com/kubernetes",
            # Managed Service for Prometheus: the ingress metrics the SLOs and alerts query.
            monitoring_config=gcp.container.ClusterMonitoringConfigArgs(
                enable_components=["SYSTEM_COMPONENTS"],
                managed_prometheus=gcp.container.ClusterMonitoringConfigManagedPrometheusArgs(
                    enabled=True
                ),
            ),
            # The default pool is removed at once, but its nodes still boot hardened.
            node_config=self._node_config(node_sa, "e2-small", 50, False, labels),
            resource_labels=labels,
            opts=child(
                self,
                depends_on=[*grants, *([args.secrets_key_grant] if args.secrets_key_grant else [])],
            ),
        )
        for pool in args.node_pools:
            gcp.container.NodePool(
                f"{name}-{pool.name}",
                name=pool.name,
                project=args.project,
                location=args.region,
                cluster=self.cluster.name,
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    total_min_node_count=pool.min_nodes, total_max_node_count=pool.max_nodes
                ),
                management=gcp.container.NodePoolManagementArgs(
                    auto_repair=True, auto_upgrade=True
                ),
                node_config=self._node_config(
                    node_sa, pool.machine_type, pool.disk_size_gb, pool.spot, labels
                ),
                opts=child(self),
            )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig(
                self.cluster.name,
                self.cluster.endpoint,
                self.cluster.master_auth.apply(lambda a: a.cluster_ca_certificate or ""),
            ),
            enable_server_side_apply=True,
            opts=child(self),
        )
        # Neo4j volumes outlive their release: the PV is retained when a claim goes away.
        k8s.storage.v1.StorageClass(
            f"{name}-retained-ssd",
            metadata=args.ownership.k8s_meta(RETAINED_STORAGE_CLASS),
            provisioner="pd.csi.storage.gke.io",
            reclaim_policy="Retain",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            parameters={"type": "pd-ssd"},
            opts=child(self, provider=self.provider),
        )
        # Neo4j snapshots (community edition backups) use the Persistent Disk CSI driver's
        # snapshots: GKE docs, "Back up Persistent Disk storage using volume snapshots".
        VolumeSnapshotClass(
            f"{name}-snapshot-class",
            metadata=args.ownership.k8s_meta(SNAPSHOT_CLASS),
            driver="pd.csi.storage.gke.io",
            deletion_policy="Delete",
            opts=child(self, provider=self.provider),
        )
        self.register_outputs({"name": self.cluster.name, "endpoint": self.cluster.endpoint})

    @staticmethod
    def _node_config(node_sa, machine_type: str, disk_gb: int, spot: bool, labels: dict):
        return dict(
            machine_type=machine_type,
            disk_size_gb=disk_gb,
            disk_type="pd-balanced",
            spot=spot,
            service_account=node_sa.email,
            oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
            workload_metadata_config={"mode": "GKE_METADATA"},
            shielded_instance_config={
                "enable_secure_boot": True,
                "enable_integrity_monitoring": True,
            },
            metadata={"disable-legacy-endpoints": "true"},
            resource_labels=labels,
        )
