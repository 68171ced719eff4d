"""A customer-provided TLS certificate for an enterprise tenant's ingress (issue 16), instead of
ACME: the certificate and its key stay in a Secret Manager secret of the tenant's own project, and
the cluster copies them into the Kubernetes TLS Secret the ingress serves.

Pulumi never reads the secret: the External Secrets Operator in the tenant's cluster does, as an
identity of its own, ``<id>-certs`` (a Google service account, through the Kubernetes service
account ``certificate-reader`` in the tenant's namespace by Workload Identity), granted
``roles/secretmanager.secretAccessor`` on that one secret and nothing else. The application's
identity (``<id>-workload``) cannot read the private key, so a compromised app pod cannot either.
The key material is in no Pulumi state, output, log or plan; the plan holds only the secret's id.

External Secrets Operator docs (external-secrets.io, "Google Cloud Secret Manager"): a SecretStore
with ``provider.gcpsm`` and ``auth.workloadIdentity`` (cluster location, name and project, and the
Kubernetes service account bound to the Google one) reads the secret; an ExternalSecret with
``dataFrom.extract`` turns the secret's JSON object ({"tls.crt": ..., "tls.key": ...}) into keys
of the target Secret, typed ``kubernetes.io/tls`` by its template. API version
external-secrets.io/v1 (v1beta1 is no longer served since chart 0.17).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from components.conventions import Ownership, child
from domain import names
from domain.environment import ChartRef

ESO_NAMESPACE = "external-secrets"
ESO_API = "external-secrets.io/v1"
# Not "tenant-..." (the namespaces' prefix): the store's name names no tenant.
STORE_NAME = "certificate-store"
REFRESH = "1h"  # a renewed certificate (a new secret version) reaches the ingress within an hour


@dataclass
class CustomerCertificateArgs:
    tenant_id: str
    project: pulumi.Input[str]  # the tenant's own project, holding the secret
    secret_id: str  # Secret Manager secret id (latest version)
    tls_secret: str  # the Kubernetes Secret the ingress reads
    cluster_name: pulumi.Input[str]
    cluster_location: str
    chart: ChartRef
    ownership: Ownership
    gcp_provider: pulumi.ProviderResource
    k8s_provider: pulumi.ProviderResource
    # The Workload Identity cluster whose creation makes <project>.svc.id.goog exist.
    workload_pool_ready: list[pulumi.Resource] = field(default_factory=list)
    # The namespace, filled in by TenantServices, which creates it: the ingress and its TLS Secret.
    namespace: pulumi.Input[str] = ""


class CustomerCertificate(pulumi.ComponentResource):
    ready: pulumi.Resource  # what the ingress waits for

    def __init__(
        self, name: str, args: CustomerCertificateArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:CustomerCertificate", name, {}, opts)
        own = args.ownership
        on_k8s = child(self, args.k8s_provider)
        # The reader's own identity: not the app's, which must not hold the private key.
        reader = WorkloadIdentity(
            f"{name}-identity",
            WorkloadIdentityArgs(
                account_id=names.certificate_reader_account_id(args.tenant_id),
                project=args.project,
                namespace=args.namespace,
                namespace_name=names.k8s_namespace(args.tenant_id),
                ksa_name=names.CERTIFICATE_READER_KSA,
                ownership=own,
                k8s_provider=args.k8s_provider,
                depends_on=args.workload_pool_ready,
            ),
            child(self, args.gcp_provider),
        )
        # Read access to this one secret only (not project-wide), for the reader only.
        access = gcp.secretmanager.SecretIamMember(
            f"{name}-reader",
            project=args.project,
            secret_id=args.secret_id,
            role="roles/secretmanager.secretAccessor",
            member=reader.member,
            opts=child(self, args.gcp_provider),
        )
        operator = k8s.helm.v3.Release(
            f"{name}-operator",
            name="external-secrets",
            chart=args.chart.chart,
            version=args.chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=args.chart.repository),
            namespace=ESO_NAMESPACE,
            create_namespace=True,
            atomic=True,
            values={"installCRDs": True},
            opts=on_k8s,
        )
        store = k8s.apiextensions.CustomResource(
            f"{name}-store",
            api_version=ESO_API,
            kind="SecretStore",
            metadata=own.k8s_meta(STORE_NAME, args.namespace),
            spec={
                "provider": {
                    "gcpsm": {
                        "projectID": args.project,
                        "auth": {
                            "workloadIdentity": {
                                "clusterLocation": args.cluster_location,
                                "clusterName": args.cluster_name,
                                "clusterProjectID": args.project,
                                "serviceAccountRef": {"name": names.CERTIFICATE_READER_KSA},
                            }
                        },
                    }
                }
            },
            opts=child(self, args.k8s_provider, depends_on=[operator, access, reader]),
        )
        self.ready = k8s.apiextensions.CustomResource(
            f"{name}-certificate",
            api_version=ESO_API,
            kind="ExternalSecret",
            metadata=own.k8s_meta("tenant-certificate", args.namespace),
            spec={
                "refreshInterval": REFRESH,
                "secretStoreRef": {"kind": "SecretStore", "name": STORE_NAME},
                "target": {
                    "name": args.tls_secret,
                    "creationPolicy": "Owner",
                    "template": {"type": "kubernetes.io/tls"},
                },
                "dataFrom": [{"extract": {"key": args.secret_id}}],
            },
            opts=child(self, args.k8s_provider, depends_on=[store]),
        )
        self.register_outputs({"secret": args.secret_id})
