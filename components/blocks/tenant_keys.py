"""An enterprise tenant's own encryption keys for its databases and cluster (issue 16): one KMS
key per service in a key ring of the tenant's own project, each usable only by that service's
agent.

Provider facts (terraform-provider-google, mirrored by pulumi-gcp):
- Cloud SQL ``encryption_key_name`` forces a new instance (ForceNew in
  resource_sql_database_instance.go); the key must be in the instance's region, and the Cloud SQL
  service agent, created with ``google_project_service_identity`` for sqladmin.googleapis.com,
  needs Encrypter/Decrypter on it (sql_database_instance docs; Cloud SQL "Use CMEK").
- Firestore ``cmek_config.kms_key_name`` forces a new database (ForceNew in
  resource_firestore_database.go); the key is in the database's location (a regional database: the
  same region) and the Firestore service agent needs Encrypter/Decrypter (firestore_database docs).
- GKE ``database_encryption`` {state ENCRYPTED, key_name} is updated in place
  (resource_container_cluster.go: d.HasChange("database_encryption")); the GKE service agent
  ``service-<number>@container-engine-robot.iam.gserviceaccount.com`` needs Encrypter/Decrypter
  (GKE "Encrypt secrets at the application layer").
Keys rotate every 90 days (CKV_GCP_43) and are protected like every stateful resource: destroying
one destroys the data it encrypts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child
from domain.registry.enterprise import FIRESTORE_KMS_LOCATIONS

__all__ = ["FIRESTORE_KMS_LOCATIONS", "KeySpec", "TenantKeys", "TenantKeysArgs"]

ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
ROTATION_PERIOD = f"{90 * 86400}s"
DESTROY_AFTER = f"{30 * 86400}s"
# The services that can hold a key of the tenant's, with the API whose agent uses it.
SERVICE_APIS = {
    "cloudsql": "sqladmin.googleapis.com",
    "firestore": "firestore.googleapis.com",
    "gke": "container.googleapis.com",
}


@dataclass(frozen=True)
class KeySpec:
    key: str  # the key's use and name suffix: cloudsql, cloudsql-replica, firestore, gke
    service: str  # whose agent uses it (SERVICE_APIS)
    location: str  # a key serves resources of its own location only


@dataclass
class TenantKeysArgs:
    tenant_id: str
    project: pulumi.Input[str]  # the tenant's own project
    project_number: pulumi.Input[str]
    keys: list[KeySpec]
    ownership: Ownership
    # What must exist before the agents: the project's APIs (a new project has no agents).
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class TenantKeys(pulumi.ComponentResource):
    keys: dict[str, gcp.kms.CryptoKey]
    grants: dict[str, gcp.kms.CryptoKeyIAMMember]

    def __init__(self, name: str, args: TenantKeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:TenantKeys", name, {}, opts)
        own = args.ownership
        unknown = sorted({k.service for k in args.keys} - set(SERVICE_APIS))
        if unknown:
            raise ValueError(f"tenant {args.tenant_id}: no CMEK for {unknown}")
        self.keys, self.grants = {}, {}
        rings: dict[str, gcp.kms.KeyRing] = {}
        agents: dict[str, pulumi.Input[str]] = {}
        for spec in args.keys:
            if spec.location not in rings:
                # Rings are per location; the first (the tenant's region) keeps the plain name.
                suffix = "" if not rings else f"-{spec.location}"
                rings[spec.location] = gcp.kms.KeyRing(
                    f"{name}-ring{suffix}",
                    name=f"{args.tenant_id}-cmek",
                    project=args.project,
                    location=spec.location,
                    opts=own.stateful(child(self, depends_on=args.depends_on)),
                )
            if spec.service not in agents:
                agents[spec.service] = self._agent(name, spec.service, args)
            key = gcp.kms.CryptoKey(
                f"{name}-{spec.key}",
                name=f"{args.tenant_id}-{spec.key}",
                key_ring=rings[spec.location].id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=ROTATION_PERIOD,
                destroy_scheduled_duration=DESTROY_AFTER,
                labels=own.gcp_labels(),
                opts=own.stateful(child(self)),
            )
            self.keys[spec.key] = key
            self.grants[spec.key] = gcp.kms.CryptoKeyIAMMember(
                f"{name}-{spec.key}-agent",
                crypto_key_id=key.id,
                role=ENCRYPTER,
                member=agents[spec.service],
                opts=child(self, depends_on=args.depends_on),
            )
        self.register_outputs({k: key.id for k, key in self.keys.items()})

    def _agent(self, name: str, service: str, args: TenantKeysArgs) -> pulumi.Input[str]:
        if service == "gke":
            # GKE's agent comes with the container API (depends_on), not a service identity.
            return pulumi.Output.concat(
                "serviceAccount:service-",
                args.project_number,
                "@container-engine-robot.iam.gserviceaccount.com",
            )
        agent = gcp.projects.ServiceIdentity(
            f"{name}-{service}-identity",
            project=args.project,
            service=SERVICE_APIS[service],
            opts=child(self, depends_on=args.depends_on),
        )
        return agent.member
