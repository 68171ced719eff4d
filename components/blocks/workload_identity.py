"""A Cloud IAM service account, the Kubernetes service account its pods run as, and the
Workload Identity binding that names exactly that namespace and KSA."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.conventions import Ownership, child


def workload_identity_member(
    project: pulumi.Input[str], namespace: str, ksa: str
) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        "serviceAccount:", project, ".svc.id.goog[", namespace, "/", ksa, "]"
    )


@dataclass
class WorkloadIdentityArgs:
    account_id: str
    project: pulumi.Input[str]
    namespace: pulumi.Input[str]
    namespace_name: str
    ksa_name: str
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None
    create_ksa: bool = True  # False when a Helm chart creates the KSA itself
    # The Workload Identity cluster(s) whose creation makes <project>.svc.id.goog exist; empty
    # when the pool already exists (the platform project, created by the platform stack).
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class WorkloadIdentity(pulumi.ComponentResource):
    account: gcp.serviceaccount.Account
    member: pulumi.Output[str]
    email: pulumi.Output[str]

    def __init__(
        self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:WorkloadIdentity", name, {}, opts)
        self.account = gcp.serviceaccount.Account(
            f"{name}-gsa",
            account_id=args.account_id,
            project=args.project,
            display_name=f"Workloads of {args.namespace_name}/{args.ksa_name}",
            opts=child(self),
        )
        self.email = self.account.email
        self.member = self.account.member
        gcp.serviceaccount.IAMMember(
            f"{name}-binding",
            service_account_id=self.account.name,
            role="roles/iam.workloadIdentityUser",
            member=workload_identity_member(args.project, args.namespace_name, args.ksa_name),
            opts=child(self, depends_on=args.depends_on),
        )
        if args.create_ksa:
            k8s.core.v1.ServiceAccount(
                f"{name}-ksa",
                metadata=args.ownership.k8s_meta(
                    args.ksa_name,
                    args.namespace,
                    annotations={"iam.gke.io/gcp-service-account": self.account.email},
                ),
                automount_service_account_token=False,
                opts=child(self, provider=args.k8s_provider),
            )
        self.register_outputs({"email": self.email})
