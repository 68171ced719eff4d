"""A bucket with uniform access, public access prevention, optional versioning, lifecycle rules,
optional CMEK (a KMS key with rotation) and a storage-quota alert."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child

ROTATION_PERIOD = f"{90 * 86400}s"  # Checkov CKV_GCP_43: rotate at most every 90 days


@dataclass
class TenantBucketArgs:
    bucket_name: str
    project: pulumi.Input[str]
    location: str
    ownership: Ownership
    versioning: bool
    noncurrent_retention_days: int
    object_admin: pulumi.Input[str] | None = None  # the one member that may read and write objects
    quota_gb: int | None = None  # None: no alert (unlimited)
    cmek: bool = False
    retention_days: int | None = None  # bucket retention policy (enterprise)
    project_number: pulumi.Input[str] | None = (
        None  # for the Cloud Storage service agent on the key
    )


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
            agent = gcp.kms.CryptoKeyIAMMember(
                f"{name}-key-gcs-agent",
                crypto_key_id=key.id,
                role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member=pulumi.Output.concat(
                    "serviceAccount:service-",
                    args.project_number,
                    "@gs-project-accounts.iam.gserviceaccount.com",
                ),
                opts=child(self),
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
            retention_policy=gcp.storage.BucketRetentionPolicyArgs(
                retention_period=args.retention_days * 86400
            )
            if args.retention_days
            else None,
            soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                retention_duration_seconds=7 * 86400
            ),
            labels=own.gcp_labels(),
            opts=own.stateful(child(self, depends_on=key_dependencies)),
        )
        if args.object_admin is not None:
            gcp.storage.BucketIAMMember(
                f"{name}-object-admin",
                bucket=self.bucket.name,
                role="roles/storage.objectAdmin",
                member=args.object_admin,
                opts=child(self),
            )
        if args.quota_gb is not None:
            gcp.monitoring.AlertPolicy(
                f"{name}-quota-alert",
                project=args.project,
                display_name=f"Storage quota {args.quota_gb} GB exceeded: {args.bucket_name}",
                combiner="OR",
                conditions=[
                    gcp.monitoring.AlertPolicyConditionArgs(
                        display_name="bucket size above quota",
                        condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                            filter=(
                                'resource.type = "gcs_bucket" AND resource.labels.bucket_name = '
                                f'"{args.bucket_name}" '
                                'AND metric.type = "storage.googleapis.com/storage/total_bytes"'
                            ),
                            comparison="COMPARISON_GT",
                            threshold_value=float(args.quota_gb) * 1024**3,
                            duration="300s",
                            aggregations=[
                                gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                    alignment_period="300s", per_series_aligner="ALIGN_MAX"
                                )
                            ],
                        ),
                    )
                ],
                user_labels=own.gcp_labels(),
                opts=child(self),
            )
        self.register_outputs({"bucket": self.bucket.name})
