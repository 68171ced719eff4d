"""DedicatedCluster: one enterprise tenant on a GKE cluster of its own, optionally in a project of
its own, with its own VPC, HA databases, custom domain, log sink and Temporal namespace."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.blocks.audit_trail import AuditTrail, AuditTrailArgs
from components.blocks.customer_certificate import CustomerCertificateArgs
from components.blocks.gke_cluster import AuthorizedCidr, GkeCluster, GkeClusterArgs
from components.blocks.ingress_controller import IngressController, IngressControllerArgs
from components.blocks.network import PODS_RANGE, SERVICES_RANGE, Network, NetworkArgs
from components.blocks.notification_channels import (
    Channel,
    NotificationChannels,
    NotificationChannelsArgs,
)
from components.blocks.private_google_access_dns import (
    PrivateGoogleAccessDns,
    PrivateGoogleAccessDnsArgs,
)
from components.blocks.tenant_identity import (
    GrantSpec,
    RoleSpec,
    TenantIdentity,
    TenantIdentityArgs,
)
from components.blocks.tenant_ingress import TLS_SECRET
from components.blocks.tenant_keys import (
    FIRESTORE_KMS_LOCATIONS,
    KeySpec,
    TenantKeys,
    TenantKeysArgs,
)
from components.blocks.tenant_project import TenantProject, TenantProjectArgs
from components.blocks.tenant_services import TenantServices
from components.conventions import Ownership, child
from components.tiers.enterprise_network import (
    build_connectivity,
    direct_access,
    private_ingress_class,
)
from components.tiers.paying import tenant_services_args
from domain import names
from domain.environment import EnvironmentSettings
from domain.provider_facts import artifact_registry_repository
from domain.registry import EnterpriseTenant

# What an enterprise tenant's observer group may read in its own project (Cloud Monitoring and
# Cloud Logging predefined read-only roles).
OBSERVER_ROLES = ("roles/monitoring.viewer", "roles/logging.viewer")

# Every range of the dedicated VPC comes from the tenant file, allocated from the environment's
# address plan (domain.networks), so that no two tenants or the platform overlap.


@dataclass
class DedicatedClusterArgs:
    settings: EnvironmentSettings
    tenant: EnterpriseTenant
    platform: pulumi.StackReference


class DedicatedCluster(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: DedicatedClusterArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:tiers:DedicatedCluster", name, {}, opts)
        s, tenant = args.settings, args.tenant
        self.settings = s
        tid = tenant.id
        own = Ownership.for_tenant(s.environment, tenant)
        platform_gcp = gcp.Provider(
            f"{tid}-platform-gcp", project=s.project, region=s.region, opts=child(self)
        )

        waits: list[pulumi.Resource] = []
        storage_api: list[pulumi.Resource] = []
        if tenant.dedicated_project:
            project = TenantProject(
                tid,
                TenantProjectArgs(
                    project_id=names.dedicated_project_id(s.environment, tid),
                    display_name=tenant.display_name,
                    folder=s.enterprise_folder,
                    billing_account=s.billing_account,
                    ownership=own,
                ),
                child(self, platform_gcp),
            )
            project_id: pulumi.Input[str] = project.project.project_id
            # GKE's service agent (TenantKeys) is named by the project number.
            project_number: pulumi.Input[str] = project.project.number
            waits = list(project.services)
            storage_api = [project.service["storage.googleapis.com"]]
        else:
            project_id = s.project
            project_number = gcp.organizations.get_project_output(
                project_id=s.project, opts=pulumi.InvokeOutputOptions(provider=platform_gcp)
            ).number
        tenant_gcp = gcp.Provider(
            f"{tid}-gcp", project=project_id, region=tenant.region, opts=child(self)
        )
        on_gcp = child(self, tenant_gcp, depends_on=waits)

        network = Network(
            tid,
            NetworkArgs(
                name=f"{tid}-vpc",
                project=project_id,
                region=tenant.region,
                subnet_cidr=tenant.network_cidr,
                pods_cidr=tenant.pods_cidr,
                services_cidr=tenant.services_cidr,
                ownership=own,
                peer_network=tenant.vpc_peering.network if tenant.vpc_peering else None,
                export_custom_routes=bool(
                    tenant.vpc_peering and tenant.vpc_peering.export_custom_routes
                ),
                master_cidrs=[tenant.control_plane_cidr],
            ),
            on_gcp,
        )
        # The tenant's own keys for its databases and cluster secrets (validation requires its own
        # project, where the keys live).
        keys = TenantKeys(
            f"{tid}-keys",
            TenantKeysArgs(
                tenant_id=tid,
                project=project_id,
                project_number=project_number,
                keys=_key_specs(tenant),
                ownership=own,
                depends_on=waits,
            ),
            on_gcp,
        )
        cluster = GkeCluster(
            tid,
            GkeClusterArgs(
                cluster_name=names.gke_cluster(tid),
                node_service_account_id=names.node_service_account_id(tid),
                project=project_id,
                region=tenant.region,
                network=network.network.id,
                subnetwork=network.subnetwork.id,
                pods_range=PODS_RANGE,
                services_range=SERVICES_RANGE,
                master_ipv4_cidr=tenant.control_plane_cidr,
                authorized_networks=[
                    AuthorizedCidr(n.name, n.cidr) for n in s.master_authorized_networks
                ],
                node_pools=tenant.node_pools,
                ownership=own,
                release_channel="STABLE",
                datapath=s.gke_datapath,
                depends_on=waits,
                secrets_key=keys.keys["gke"].id if "gke" in keys.keys else None,
                secrets_key_grant=keys.grants.get("gke"),
            ),
            on_gcp,
        )
        PrivateGoogleAccessDns(
            f"{tid}-google-apis",
            PrivateGoogleAccessDnsArgs(
                zone_name=names.private_googleapis_zone(f"{tid}-vpc"),
                project=project_id,
                network=network.network.id,
                ownership=own,
                depends_on=waits,
            ),
            on_gcp,
        )
        # The migration image lives in the platform's registry: the nodes pull it as their own
        # service account, which needs read access there (a dedicated project grants nothing).
        repository = artifact_registry_repository(s.migrations_image)
        if repository is not None:
            gcp.artifactregistry.RepositoryIamMember(
                f"{tid}-nodes-image-pull",
                project=repository.project,
                location=repository.location,
                repository=repository.repository,
                role="roles/artifactregistry.reader",
                member=cluster.node_service_account.member,
                opts=child(self, platform_gcp),
            )
        ingress = IngressController(
            f"{tid}-ingress",
            IngressControllerArgs(
                address_name=f"{tid}-ingress",
                project=project_id,
                region=tenant.region,
                ingress_chart=s.ingress_chart,
                cert_manager_chart=s.cert_manager_chart,
                acme_email=tenant.contact_email,
                ownership=own,
                k8s_provider=cluster.provider,
                controller_image_digest=s.ingress_chart.image_digest,
            ),
            on_gcp,
        )

        channels = self._channels(tenant, project_id, platform_gcp, tenant_gcp, args.platform)
        services_args = tenant_services_args(
            s,
            tenant,
            own,
            project=project_id,
            gcp_provider=tenant_gcp,
            identity_tenant_name=args.platform.require_output("identity_tenants").apply(
                lambda identities: identities[tid]
            ),
            k8s_provider=cluster.provider,
            network=network.network.id,
            private_services_cidr=network.private_services_cidr,
            hosts=[tenant.custom_domain],
            cmek=tenant.cmek,
            depends_on=[network.private_services, *waits],
            notification_channels=channels,
            api_server_cidrs=[tenant.control_plane_cidr],
            workload_pool_ready=[cluster.cluster],
            storage_api=storage_api,
            private_ingress_class=private_ingress_class(tenant),
        )
        services_args = dataclasses.replace(
            services_args,
            postgres_key=keys.keys["cloudsql"].id if "cloudsql" in keys.keys else None,
            postgres_replica_key=keys.keys["cloudsql-replica"].id
            if "cloudsql-replica" in keys.keys
            else None,
            firestore_key=keys.keys["firestore"].id if "firestore" in keys.keys else None,
            key_grants=[
                keys.grants[k]
                for k in ("cloudsql", "cloudsql-replica", "firestore")
                if k in keys.grants
            ],
            certificate=CustomerCertificateArgs(
                tenant_id=tid,
                project=project_id,
                secret_id=tenant.tls.certificate_secret,
                tls_secret=TLS_SECRET,
                cluster_name=cluster.cluster.name,
                cluster_location=tenant.region,
                chart=s.external_secrets_chart,
                ownership=own,
                gcp_provider=tenant_gcp,
                k8s_provider=cluster.provider,
                workload_pool_ready=[cluster.cluster],
            )
            if tenant.tls is not None
            else None,
        )
        self.services = TenantServices(f"{tid}-services", services_args, child(self))

        connectivity = build_connectivity(
            self,
            s,
            tenant,
            own,
            project_id=project_id,
            network=network,
            namespace=self.services.outputs["namespace"],
            k8s_provider=cluster.provider,
            on_gcp=on_gcp,
            public_ingress=ingress,
            direct_db_access=direct_access(tenant) is not None,
        )
        if tenant.dedicated_project:
            AuditTrail(
                f"{tid}-audit",
                AuditTrailArgs(
                    project=project_id,
                    ownership=own,
                    notification_channels=channels,
                    cluster_providers=[cluster.provider],
                    scope=tid,
                ),
                on_gcp,
            )
        if tenant.identity is not None:
            # Custom roles and the group's grants, in the tenant's own project only (validation
            # requires one for everything but predefined bucket roles).
            identity = tenant.identity
            TenantIdentity(
                f"{tid}-identity",
                TenantIdentityArgs(
                    tenant_id=tid,
                    project=project_id,
                    group=identity.group,
                    bucket_name=self.services.outputs["bucket"],
                    ownership=own,
                    custom_roles=[
                        RoleSpec(r.id, r.title, list(r.permissions), r.description)
                        for r in identity.custom_roles or []
                    ],
                    grants=[GrantSpec(g.role, g.on) for g in identity.grants or []],
                ),
                on_gcp,
            )
        if tenant.observer_group is not None:
            # Read-only, on the tenant's own project only (validation requires one).
            for role in OBSERVER_ROLES:
                gcp.projects.IAMMember(
                    f"{tid}-observer-{role.split('/')[1].replace('.', '-')}",
                    project=project_id,
                    role=role,
                    member=f"group:{tenant.observer_group}",
                    opts=on_gcp,
                )
        if tenant.log_sink is not None:
            # The writer identity must be granted on the tenant's destination (see docs/tiers.md).
            sink = gcp.logging.ProjectSink(
                f"{tid}-audit-sink",
                name=f"{tid}-audit",
                project=project_id,
                destination=tenant.log_sink.destination,
                filter=tenant.log_sink.filter
                or (
                    None
                    if tenant.dedicated_project
                    else f'labels.tenant="{tid}" OR '
                    f'resource.labels.namespace_name="{names.k8s_namespace(tid)}"'
                ),
                unique_writer_identity=True,
                opts=on_gcp,
            )
            sink_writer: Any = sink.writer_identity
        else:
            sink_writer = None

        self.outputs = {
            **self.services.outputs,
            "project": project_id,
            "cluster": cluster.cluster.name,
            "ingress_ip": ingress.address.address,
            "custom_domain": tenant.custom_domain,
            "cname_instructions": pulumi.Output.concat(
                tenant.custom_domain, " A ", ingress.address.address
            ),
            "log_sink_writer": sink_writer,
            **connectivity.outputs,
        }
        self.register_outputs(self.outputs)

    def _channels(
        self,
        tenant: EnterpriseTenant,
        project_id: pulumi.Input[str],
        platform_gcp: pulumi.ProviderResource,
        tenant_gcp: pulumi.ProviderResource,
        platform: pulumi.StackReference,
    ) -> pulumi.Output[list[str]]:
        """Alert policies may only name channels of their own project: a dedicated project gets
        its own copy of the platform's on-call; the tenant's on-call joins either way."""
        s, tid = self.settings, tenant.id
        own = Ownership.for_tenant(s.environment, tenant)
        specs = [Channel(f"tenant-{c.name}", c.kind, c.target, c.secret) for c in tenant.oncall]
        if tenant.dedicated_project:
            specs = [Channel(c.name, c.kind, c.target, c.secret) for c in s.notifications] + specs
        created = NotificationChannels(
            f"{tid}-oncall",
            NotificationChannelsArgs(
                channels=specs,
                project=project_id,
                ownership=own,
                display_prefix=f"tenancy {s.environment} {tid}",
            ),
            child(self, tenant_gcp if tenant.dedicated_project else platform_gcp),
        )
        inherited = (
            pulumi.Output.from_input([])
            if tenant.dedicated_project
            else platform.require_output("notification_channels")
        )
        return pulumi.Output.all(inherited, *created.ids).apply(
            lambda values: [*values[0], *values[1:]]
        )

    def stack_outputs(self) -> dict[str, Any]:
        return dict(self.outputs)


def _key_specs(tenant: EnterpriseTenant) -> list[KeySpec]:
    """The tenant's own keys, each in the location of what it encrypts (validation requires its
    own project, where they live)."""
    services = tenant.cmek_services()
    specs = []
    if "cloudsql" in services:
        specs.append(KeySpec("cloudsql", "cloudsql", tenant.region))
        replica = getattr(tenant.databases, "postgres_cross_region_replica", None)
        if replica:
            specs.append(KeySpec("cloudsql-replica", "cloudsql", replica))
    if "firestore" in services:
        location = getattr(tenant.databases, "firestore_location", None) or tenant.region
        specs.append(
            KeySpec("firestore", "firestore", FIRESTORE_KMS_LOCATIONS.get(location, location))
        )
    if "gke" in services:
        specs.append(KeySpec("gke", "gke", tenant.region))
    return specs
