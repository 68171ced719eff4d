"""A Firestore database with PITR, deletion protection and a backup schedule."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child

MAX_DAILY_BACKUP_RETENTION_DAYS = 7 * 14  # Firestore keeps scheduled backups at most 14 weeks


@dataclass
class FirestoreDatabaseArgs:
    database_id: str
    project: pulumi.Input[str]
    location: str
    ownership: Ownership
    backup_retention_days: int
    accessor: pulumi.Input[str] | None = None  # member granted datastore.user on this database only
    # The tenant's own KMS key (CMEK, issue 16): set at creation only, it forces a new database.
    cmek_key: pulumi.Input[str] | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the key's grant


class FirestoreDatabase(pulumi.ComponentResource):
    database: gcp.firestore.Database

    def __init__(
        self, name: str, args: FirestoreDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:FirestoreDatabase", name, {}, opts)
        own = args.ownership
        self.database = gcp.firestore.Database(
            f"{name}-database",
            name=args.database_id,
            project=args.project,
            location_id=args.location,
            type="FIRESTORE_NATIVE",
            concurrency_mode="OPTIMISTIC",
            app_engine_integration_mode="DISABLED",
            point_in_time_recovery_enablement="POINT_IN_TIME_RECOVERY_ENABLED",
            delete_protection_state="DELETE_PROTECTION_ENABLED"
            if own.protected
            else "DELETE_PROTECTION_DISABLED",
            deletion_policy="DELETE",
            cmek_config=gcp.firestore.DatabaseCmekConfigArgs(kms_key_name=args.cmek_key)
            if args.cmek_key is not None
            else None,
            opts=own.stateful(child(self, depends_on=args.depends_on)),
        )
        retention_days = min(args.backup_retention_days, MAX_DAILY_BACKUP_RETENTION_DAYS)
        gcp.firestore.BackupSchedule(
            f"{name}-backups",
            project=args.project,
            database=self.database.name,
            retention=f"{retention_days * 86400}s",
            daily_recurrence=gcp.firestore.BackupScheduleDailyRecurrenceArgs(),
            opts=child(self.database),
        )
        if args.accessor is not None:
            # Project-level role, narrowed by an IAM condition to this one database.
            gcp.projects.IAMMember(
                f"{name}-datastore-user",
                project=args.project,
                role="roles/datastore.user",
                member=args.accessor,
                condition=gcp.projects.IAMMemberConditionArgs(
                    title=f"only-{args.database_id}"[:100],
                    description="Access to this tenant's Firestore database only",
                    expression=pulumi.Output.concat(
                        'resource.name == "projects/',
                        args.project,
                        "/databases/",
                        args.database_id,
                        '"',
                    ),
                ),
                opts=child(self),
            )
        self.register_outputs({"database": self.database.name})
