"""A bucket with uniform access, public access prevention, optional versioning, lifecycle rules,
access logs to a log bucket of its own, optional CMEK (a KMS key with rotation) and per-prefix
retention. Its quota alerts are TenantAlerts'."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child
from domain import names
from domain.conventions import KMS_ROTATION_DAYS
from domain.provider_facts import GCS_USAGE_LOG_WRITER

ROTATION_PERIOD = f"{KMS_ROTATION_DAYS[1] * 86400}s"  # Checkov CKV_GCP_43: the longest period
# Cloud Storage writes usage logs as this group (https://cloud.google.com/storage/docs/access-logs).
USAGE_LOG_WRITER = GCS_USAGE_LOG_WRITER
ACCESS_LOG_DAYS = 90


@dataclass
class TenantBucketArgs:
    bucket_name: str
    project: pulumi.Input[str]
    location: str
    ownership: Ownership
    versioning: bool
    noncurrent_retention_days: int
    object_admin: pulumi.Input[str] | None = None  # the one member that may read and write objects
    # Objects under a prefix deleted after so many days (backups and exports kept by retention).
    prefix_retention_days: dict[str, int] = field(default_factory=dict)
    cmek: bool = False
    retention_days: int | None = None  # bucket retention policy (enterprise)
    # What must exist before the Cloud Storage service agent is looked up (a new project's
    # storage API); the lookup itself creates the agent.
    agent_depends_on: list[pulumi.Resource] | None = None


class TenantBucket(pulumi.ComponentResource):
    bucket: gcp.storage.Bucket

    def __init__(
        self, name: str, args: TenantBucketArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantBucket", name, {}, opts)
        own = args.ownership
        encryption = None
        key_dependencies: list[pulumi.Resource] = []
        if args.cmek:
            ring = gcp.kms.KeyRing(
                f"{name}-keyring",
                name=f"{args.bucket_name}-ring",
                project=args.project,
                location=args.location,
                opts=own.stateful(child(self)),
            )
            key = gcp.kms.CryptoKey(
                f"{name}-key",
                name=f"{args.bucket_name}-key",
                key_ring=ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=ROTATION_PERIOD,
                destroy_scheduled_duration=f"{30 * 86400}s",
                labels=own.gcp_labels(),
                opts=own.stateful(child(self)),
            )
            # Not the interpolated service-<number>@gs-project-accounts address: that agent does
            # not exist in a new project until this lookup creates it (pulumi-gcp docs).
            gcs_agent = gcp.storage.get_project_service_account_output(
                project=args.project,
                opts=pulumi.InvokeOutputOptions(
                    parent=self, depends_on=list(args.agent_depends_on or [])
                ),
            )
            agent = gcp.kms.CryptoKeyIAMMember(
                f"{name}-key-gcs-agent",
                crypto_key_id=key.id,
                role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member=gcs_agent.member,
                opts=child(self, depends_on=list(args.agent_depends_on or [])),
            )
            key_dependencies.append(agent)
            encryption = gcp.storage.BucketEncryptionArgs(default_kms_key_name=key.id)
        lifecycle = [
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(
                    type="AbortIncompleteMultipartUpload"
                ),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=7),
            ),
        ]
        if args.versioning:
            lifecycle.append(
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        days_since_noncurrent_time=args.noncurrent_retention_days,
                        with_state="ARCHIVED",
                    ),
                )
            )
        for prefix, days in sorted(args.prefix_retention_days.items()):
            lifecycle.append(
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        age=days, matches_prefixes=[f"{prefix}/"]
                    ),
                )
            )
        logs = gcp.storage.Bucket(
            f"{name}-access-logs",
            name=names.access_log_bucket(args.bucket_name),
            project=args.project,
            location=args.location.upper(),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=not own.protected,
            versioning=gcp.storage.BucketVersioningArgs(enabled=True),
            lifecycle_rules=[
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=ACCESS_LOG_DAYS),
                ),
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        days_since_noncurrent_time=7, with_state="ARCHIVED"
                    ),
                ),
            ],
            labels=own.gcp_labels(),
            opts=own.stateful(child(self)),
        )
        log_writer = gcp.storage.BucketIAMMember(
            f"{name}-access-log-writer",
            bucket=logs.name,
            role="roles/storage.objectCreator",
            member=USAGE_LOG_WRITER,
            opts=child(self),
        )
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=args.bucket_name,
            project=args.project,
            location=args.location.upper(),
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=not own.protected,
            versioning=gcp.storage.BucketVersioningArgs(enabled=args.versioning),
            lifecycle_rules=lifecycle,
            encryption=encryption,
            logging=gcp.storage.BucketLoggingArgs(log_bucket=logs.name),
            retention_policy=gcp.storage.BucketRetentionPolicyArgs(
                retention_period=str(args.retention_days * 86400)
            )
            if args.retention_days
            else None,
            soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                retention_duration_seconds=7 * 86400
            ),
            labels=own.gcp_labels(),
            opts=own.stateful(child(self, depends_on=[*key_dependencies, log_writer])),
        )
        if args.object_admin is not None:
            gcp.storage.BucketIAMMember(
                f"{name}-object-admin",
                bucket=self.bucket.name,
                role="roles/storage.objectAdmin",
                member=args.object_admin,
                opts=child(self),
            )
        self.register_outputs({"bucket": self.bucket.name})
