"""A set of Cloud SQL PostgreSQL instances, each with a database, the schema owner's login and the
services' login. Private IP only, TLS required, backups + PITR, logging flags.

The services log in with IAM database authentication as the tenant's Workload Identity service
account (a CLOUD_IAM_SERVICE_ACCOUNT user, no password): a user created through the Cloud SQL API
as BUILT_IN is a member of cloudsqlsuperuser with CREATEROLE and CREATEDB, which on PostgreSQL 15
can grant itself the owner's role and turn row-level security off (docs/data-isolation.md). The
migration Job grants the IAM user its privileges and refuses it if it could escalate."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.conventions import Ownership, child
from domain import names
from domain.conventions import POSTGRES_FLAGS

IAM_SERVICE_ACCOUNT_USER = "CLOUD_IAM_SERVICE_ACCOUNT"
IAM_GROUP_USER = "CLOUD_IAM_GROUP"


def iam_login(service_account_email: str) -> str:
    """The database user of an IAM service account: its email without .gserviceaccount.com."""
    return service_account_email.removesuffix(".gserviceaccount.com")


MAX_LOG_RETENTION_DAYS = 7  # Cloud SQL caps transaction log retention at 7 days


@dataclass
class PostgresSetArgs:
    instance_names: list[str]
    project: pulumi.Input[str]
    region: str
    network: pulumi.Input[str]
    ownership: Ownership
    tier: str
    disk_gb: int
    backup_retention_days: int
    service_account_email: pulumi.Input[str]  # the services' identity: their database login
    availability: str = "ZONAL"  # REGIONAL for HA
    read_replicas: int = 0
    # Enterprise: one more read replica of each instance in this region (private IP on the same
    # VPC, which is global).
    cross_region_replica: str | None = None
    # Enterprise direct access: the tenant's Google group signs in with IAM group authentication
    # (a CLOUD_IAM_GROUP user: a role for the group, one login per member, no password).
    direct_group: str | None = None
    database: str = "app"
    migrator: str = "migrator"  # owns the schema; only the migration Job uses it
    # The tenant's own KMS key (CMEK, issue 16): set at creation only, it forces a new instance.
    # A key serves its own region: replicas there use it, a cross-region replica its own key.
    encryption_key: pulumi.Input[str] | None = None
    replica_encryption_key: pulumi.Input[str] | None = None  # the cross-region replica's region
    depends_on: list[pulumi.Resource] = field(
        default_factory=list
    )  # e.g. the private service connection


class PostgresSet(pulumi.ComponentResource):
    instances: list[gcp.sql.DatabaseInstance]
    replicas: list[list[gcp.sql.DatabaseInstance]]  # per instance, in the order of instances
    app_login: pulumi.Output[str]  # the services' IAM database user (on every instance)
    direct_login: pulumi.Output[str] | None  # the tenant group's role (direct access)
    migrator_passwords: list[pulumi.Output[str]]  # the schema owner's, secret outputs
    database: str
    migrator: str

    def __init__(
        self, name: str, args: PostgresSetArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:PostgresSet", name, {}, opts)
        own = args.ownership
        # The migration Job logs in with these; they live here only.
        self.database, self.migrator = args.database, args.migrator
        self.instances, self.migrator_passwords, self.replicas = [], [], []
        direct_users: list[gcp.sql.User] = []
        users: list[gcp.sql.User] = []
        login = pulumi.Output.from_input(args.service_account_email).apply(iam_login)
        for instance_name in args.instance_names:
            instance = gcp.sql.DatabaseInstance(
                instance_name,
                name=instance_name,
                project=args.project,
                region=args.region,
                database_version="POSTGRES_15",
                encryption_key_name=args.encryption_key,
                deletion_protection=own.protected,
                settings=self._settings(args, backups=True),
                opts=own.stateful(child(self, depends_on=args.depends_on)),
            )
            gcp.sql.Database(
                f"{instance_name}-db",
                name=args.database,
                instance=instance.name,
                project=args.project,
                opts=child(self),
            )
            app_user = gcp.sql.User(
                f"{instance_name}-user",
                name=login,
                instance=instance.name,
                project=args.project,
                type=IAM_SERVICE_ACCOUNT_USER,
                opts=child(self),
            )
            migrator_password = random.RandomPassword(
                f"{instance_name}-migrator-password", length=32, special=False, opts=child(self)
            )
            gcp.sql.User(
                f"{instance_name}-migrator",
                name=args.migrator,
                instance=instance.name,
                project=args.project,
                password=migrator_password.result,
                opts=child(self),
            )
            self.migrator_passwords.append(migrator_password.result)
            if args.direct_group is not None:
                direct_users.append(
                    gcp.sql.User(
                        f"{instance_name}-direct",
                        name=args.direct_group,
                        instance=instance.name,
                        project=args.project,
                        type=IAM_GROUP_USER,
                        opts=child(self),
                    )
                )
            users.append(app_user)
            # Read replicas in the instance's region, then the cross-region one: the app reads
            # from them (POSTGRES_<n>_REPLICAS) and they fail over nowhere.
            replica_places = [
                (names.postgres_replica(instance_name, n), args.region)
                for n in range(1, args.read_replicas + 1)
            ]
            if args.cross_region_replica is not None:
                replica_places.append(
                    (names.postgres_cross_region_replica(instance_name), args.cross_region_replica)
                )
            replicas = []
            for replica_name, region in replica_places:
                replicas.append(
                    gcp.sql.DatabaseInstance(
                        replica_name,
                        name=replica_name,
                        project=args.project,
                        region=region,
                        database_version="POSTGRES_15",
                        encryption_key_name=args.encryption_key
                        if region == args.region
                        else args.replica_encryption_key,
                        master_instance_name=instance.name,
                        replica_configuration=gcp.sql.DatabaseInstanceReplicaConfigurationArgs(
                            failover_target=False
                        ),
                        deletion_protection=own.protected,
                        settings=self._settings(args, backups=False),
                        opts=own.stateful(child(instance)),
                    )
                )
            self.replicas.append(replicas)
            self.instances.append(instance)
        # Known once every instance has the user: what the migration Job grants tenancy_app to.
        self.app_login = pulumi.Output.all(*[u.name for u in users]).apply(lambda n: n[0])
        # Known once the group's user exists everywhere: what the migration Job binds.
        self.direct_login = (
            pulumi.Output.all(*[u.name for u in direct_users]).apply(lambda n: n[0])
            if direct_users
            else None
        )
        self.register_outputs({"connection_names": [i.connection_name for i in self.instances]})

    @staticmethod
    def _settings(args: PostgresSetArgs, backups: bool) -> gcp.sql.DatabaseInstanceSettingsArgs:
        backup = gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
            enabled=backups,
            point_in_time_recovery_enabled=backups,
            start_time="03:00",
            transaction_log_retention_days=min(args.backup_retention_days, MAX_LOG_RETENTION_DAYS)
            if backups
            else None,
            backup_retention_settings=gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                retained_backups=args.backup_retention_days, retention_unit="COUNT"
            )
            if backups
            else None,
        )
        return gcp.sql.DatabaseInstanceSettingsArgs(
            tier=args.tier,
            edition="ENTERPRISE",
            availability_type=args.availability,
            disk_size=args.disk_gb,
            disk_type="PD_SSD",
            disk_autoresize=True,
            deletion_protection_enabled=args.ownership.protected,
            ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
                ipv4_enabled=False,
                private_network=args.network,
                ssl_mode="ENCRYPTED_ONLY",
                enable_private_path_for_google_cloud_services=True,
            ),
            backup_configuration=backup,
            database_flags=[
                gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(name=k, value=v)
                for k, v in POSTGRES_FLAGS.items()
            ],
            insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(
                query_insights_enabled=True
            ),
            maintenance_window=gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
                day=7, hour=3, update_track="stable"
            ),
            user_labels=args.ownership.gcp_labels(),
        )
