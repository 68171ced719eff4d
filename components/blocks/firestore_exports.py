"""Scheduled Firestore exports into the tenant's bucket, for retention beyond what Firestore's
own backup schedule keeps (14 weeks: Firestore docs, "Back up and restore data", retention of
scheduled backups).

A weekly CronJob in the tenant namespace runs ``gcloud firestore export`` as the tenant's
workload identity; the managed export is written by the Firestore service agent, which needs
object write access to the bucket (Firestore docs, "Export and import data": the service agent
``service-PROJECT_NUMBER@gcp-sa-firestore.iam.gserviceaccount.com`` writes the export). The agent
is created explicitly (``projects.ServiceIdentity``) so the grant never races its creation.
The bucket's lifecycle rule on ``firestore-exports/`` enforces the retention.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.scheduled_job import scheduled_job
from components.conventions import Ownership, child, restricted_container_security

EXPORT_PREFIX = "firestore-exports"
SCHEDULE = "41 3 * * 0"  # weekly


@dataclass
class FirestoreExportsArgs:
    database_id: str
    project: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    workload_member: pulumi.Input[str]  # serviceAccount:<tenant workload SA>
    namespace: pulumi.Input[str]
    service_account: str  # the tenant KSA bound to the workload SA
    image: str
    ownership: Ownership
    gcp_provider: pulumi.ProviderResource | None
    k8s_provider: pulumi.ProviderResource | None
    schedule: str = SCHEDULE  # an enterprise tenant's `databases.exports.schedule`


class FirestoreExports(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: FirestoreExportsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:FirestoreExports", name, {}, opts)
        own = args.ownership
        on_gcp = child(self, provider=args.gcp_provider)
        agent = gcp.projects.ServiceIdentity(
            f"{name}-firestore-agent",
            project=args.project,
            service="firestore.googleapis.com",
            opts=on_gcp,
        )
        gcp.storage.BucketIAMMember(
            f"{name}-agent-writes",
            bucket=args.bucket_name,
            role="roles/storage.objectAdmin",
            member=agent.member,
            opts=on_gcp,
        )
        # Export rights on this database only (IAM condition on the database's resource name).
        gcp.projects.IAMMember(
            f"{name}-exporter",
            project=args.project,
            role="roles/datastore.importExportAdmin",
            member=args.workload_member,
            condition=gcp.projects.IAMMemberConditionArgs(
                title=f"only {args.database_id}",
                expression=pulumi.Output.concat(
                    'resource.name == "projects/',
                    args.project,
                    f'/databases/{args.database_id}"',
                ),
            ),
            opts=on_gcp,
        )
        command = pulumi.Output.all(args.project, args.bucket_name).apply(
            lambda values: [
                "gcloud",
                "firestore",
                "export",
                f"gs://{values[1]}/{EXPORT_PREFIX}/",
                f"--project={values[0]}",
                f"--database={args.database_id}",
                "--async",
            ]
        )
        scheduled_job(
            name,
            parent=self,
            provider=args.k8s_provider,
            ownership=own,
            job_name=f"{args.database_id}-export",
            namespace=args.namespace,
            schedule=args.schedule,
            app="firestore-export",
            service_account=args.service_account,
            containers=[
                k8s.core.v1.ContainerArgs(
                    name="export",
                    image=args.image,
                    command=command,
                    # gcloud writes its config under $HOME
                    env=[k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp")],
                    security_context=restricted_container_security(),
                    volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                )
            ],
            scratch=["tmp"],
            backoff_limit=3,
        )
        self.register_outputs({})
