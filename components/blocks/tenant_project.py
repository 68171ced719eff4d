"""An enterprise tenant's own GCP project: billing, folder and the APIs the tier needs."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child

REQUIRED_APIS = (
    "compute.googleapis.com",
    "container.googleapis.com",
    "sqladmin.googleapis.com",
    "servicenetworking.googleapis.com",
    "firestore.googleapis.com",
    "secretmanager.googleapis.com",
    "cloudkms.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "iam.googleapis.com",
    "dns.googleapis.com",
    # storage quota enforcement (components/blocks/storage_quota.py)
    "pubsub.googleapis.com",
    "workflows.googleapis.com",
    "eventarc.googleapis.com",
)


@dataclass
class TenantProjectArgs:
    project_id: str
    display_name: str
    folder: str | None
    billing_account: str | None  # the registry refuses a dedicated project without one
    ownership: Ownership


class TenantProject(pulumi.ComponentResource):
    project: gcp.organizations.Project
    services: list[gcp.projects.Service]

    def __init__(
        self, name: str, args: TenantProjectArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantProject", name, {}, opts)
        own = args.ownership
        self.project = gcp.organizations.Project(
            f"{name}-project",
            project_id=args.project_id,
            name=args.display_name[:30],
            folder_id=args.folder,
            billing_account=args.billing_account,
            auto_create_network=False,
            deletion_policy="PREVENT" if own.protected else "DELETE",
            labels=own.gcp_labels(),
            opts=own.stateful(child(self)),
        )
        self.services = [
            gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=self.project.project_id,
                service=api,
                disable_on_destroy=False,
                opts=child(self),
            )
            for api in REQUIRED_APIS
        ]
        self.register_outputs({"project_id": self.project.project_id})
