"""MigrationJob: applies migrations/ to one or more Cloud SQL databases from inside the cluster.

A ConfigMap carries every migration file; a Job runs ``tenancy db migrate`` with the files mounted
from it, one container per database instance (each with its own password, in parallel; the Job
succeeds when all of them do). A password reaches its container as a file mounted from a Secret
(`--password-file`), never as an environment variable (Checkov CKV_K8S_35) or an argument. The
Cloud SQL Auth Proxy runs next to it as a native sidecar (an init
container with
restartPolicy Always, Kubernetes 1.29+): it starts first, is probed until ready, and is stopped
when the migration exits. The pod runs as the namespace's Workload Identity service account and
satisfies the Pod Security "restricted" profile.

Re-running is safe: migrations already applied are skipped. A change to any migration file
changes the ConfigMap (auto-named, so replaced) and therefore the Job's pod template, so Pulumi
replaces the Job and the new migrations run. Pulumi waits for the Job to complete, so a failed
migration fails ``pulumi up``; its await timeout (customTimeouts) outlasts activeDeadlineSeconds,
so a slow migration is reported by Kubernetes, not cut off by Pulumi. A finished Job is kept (no
ttlSecondsAfterFinished): the cluster deleting it would show as drift on every refresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.conventions import (
    K8sObject,
    restricted_container_security,
    restricted_pod_security,
)
from domain.migration_files import MIGRATIONS_DIR_ENV, default_migrations_dir, load_migrations

DEFAULT_PROXY_IMAGE = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.17.0"
FIRST_PROXY_PORT = 5432
PROXY_HEALTH_PORT = 9090
MIGRATIONS_MOUNT = "/migrations"
NON_ROOT_UID = 65532  # the distroless "nonroot" user, also used by the proxy image
CONFIGMAP_LIMIT_BYTES = 900 * 1024  # Kubernetes refuses ConfigMaps over 1 MiB
PASSWORD_MOUNT = "/var/run/secrets/tenancy-db"
PASSWORD_FILE = "password"
# Owner root, group the pod's fsGroup (the migration user's): the kubelet gives a Secret volume's
# files to fsGroup, so 0440 is what the container can read and no one else.
PASSWORD_FILE_MODE = 0o440


@dataclass(kw_only=True)
class MigrationJobArgs:
    namespace: pulumi.Input[str]
    service_account_name: pulumi.Input[str]
    """A Kubernetes service account already bound to a Google service account by Workload
    Identity."""
    instance_connection_names: list[pulumi.Input[str]]
    """project:region:instance of each database server; the same migrations run on every one."""
    database: str
    db_user: str
    image: str
    """An image with the tenancy CLI installed."""
    password_secret_name: pulumi.Input[str] | None = None
    """Secret holding db_user's password; None means IAM database authentication."""
    password_secret_key: str | list[str] = "password"
    """The key in that Secret: one for every instance, or a list with one key per instance."""
    labels: dict[str, str] = field(default_factory=dict)
    passwords: Sequence[pulumi.Input[str]] | None = None
    """db_user's password on each instance; the Job then keeps them in a Secret of its own that no
    workload mounts (overrides password_secret_name/key)."""
    app_logins: list[pulumi.Input[str]] = field(default_factory=list)
    """Service logins made members of tenancy_app after migrating; `tenancy db migrate` refuses
    any that could escalate (superuser, BYPASSRLS, CREATEROLE, CREATEDB, owner's member)."""
    app_tenants: list[str] = field(default_factory=list)
    """The tenants those logins serve (a dedicated instance's tenant); empty: every tenant (the
    shared pool)."""
    direct_login: pulumi.Input[str] | None = None
    """An enterprise tenant's own login (its group's role) given direct access, bound to
    ``app_tenants[0]``; read-only unless ``direct_writes``."""
    direct_writes: bool = False
    proxy_image: str = DEFAULT_PROXY_IMAGE
    private_ip: bool = True
    migrations_dir: Path | None = None  # default: the project's migrations/
    backoff_limit: int = 2
    ttl_seconds_after_finished: int | None = None  # kept: a deleted Job is drift (refresh)
    active_deadline_seconds: int = 15 * 60
    await_timeout_seconds: int = 20 * 60  # Pulumi waits 10 minutes unless told otherwise
    migrate_resources: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
    )
    proxy_resources: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "250m", "memory": "128Mi"},
        }
    )


# The platform's Pod Security "restricted" contexts, as the images' non-root user.
_NON_ROOT_IDS = {"runAsUser": NON_ROOT_UID, "runAsGroup": NON_ROOT_UID}


def _container_security() -> K8sObject:
    return {**restricted_container_security(), "privileged": False, **_NON_ROOT_IDS}


def _pod_security() -> K8sObject:
    return {**restricted_pod_security(), **_NON_ROOT_IDS, "fsGroup": NON_ROOT_UID}


def migrate_dsns(args: MigrationJobArgs) -> list[str]:
    """One DSN per instance, through the proxy's local ports (5432, 5433, ...). No password:
    it comes from a mounted Secret file (--password-file) or from IAM authentication in the
    proxy."""
    return [
        f"host=127.0.0.1 port={FIRST_PROXY_PORT + i} dbname={args.database} user={args.db_user} "
        "sslmode=disable connect_timeout=30"
        for i in range(len(args.instance_connection_names))
    ]


def _password_keys(args: MigrationJobArgs) -> list[str | None]:
    count = len(args.instance_connection_names)
    if args.password_secret_name is None:
        return [None] * count  # IAM authentication: no password anywhere
    if isinstance(args.password_secret_key, str):
        return [args.password_secret_key] * count
    if len(args.password_secret_key) != count:
        raise ValueError(
            f"password_secret_key lists {len(args.password_secret_key)} keys for {count} instances"
        )
    return list(args.password_secret_key)


def _password_args(password_key: str | None) -> list[str]:
    """Where the container reads its password; none with IAM authentication."""
    if password_key is None:
        return []
    return ["--password-file", f"{PASSWORD_MOUNT}/{PASSWORD_FILE}"]


def _password_mounts(index: int, password_key: str | None) -> list[k8s.core.v1.VolumeMountArgs]:
    if password_key is None:
        return []
    return [
        k8s.core.v1.VolumeMountArgs(
            name=f"password-{index}", mount_path=PASSWORD_MOUNT, read_only=True
        )
    ]


def _password_volumes(args: MigrationJobArgs) -> list[k8s.core.v1.VolumeArgs]:
    """One volume per instance holding only that instance's password, as the file ``password``."""
    return [
        k8s.core.v1.VolumeArgs(
            name=f"password-{index}",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=args.password_secret_name,
                items=[k8s.core.v1.KeyToPathArgs(key=key, path=PASSWORD_FILE)],
                default_mode=PASSWORD_FILE_MODE,
            ),
        )
        for index, key in enumerate(_password_keys(args), start=1)
        if key is not None
    ]


def _grant_args(args: MigrationJobArgs) -> list[pulumi.Input[str]]:
    if not args.app_logins:
        return []
    grants = [arg for login in args.app_logins for arg in ("--grant-app-role-to", login)]
    if not args.app_tenants:
        return [*grants, "--all-tenants"]
    tenants = [arg for tenant in args.app_tenants for arg in ("--app-tenant", tenant)]
    direct: list[pulumi.Input[str]] = []
    if args.direct_login is not None and args.app_tenants:
        direct = [
            "--grant-direct-role-to",
            args.direct_login,
            "--direct-tenant",
            args.app_tenants[0],
        ]
        direct += ["--direct-writes"] if args.direct_writes else []
    return [*grants, *tenants, *direct]


class MigrationJob(pulumi.ComponentResource):
    config_map: k8s.core.v1.ConfigMap
    job: k8s.batch.v1.Job

    def __init__(
        self, name: str, args: MigrationJobArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tenancy:blocks:MigrationJob", name, None, opts)
        if not args.instance_connection_names:
            raise ValueError(f"MigrationJob {name}: instance_connection_names is empty")
        if not args.database or not args.db_user or not args.image:
            raise ValueError(f"MigrationJob {name}: database, db_user and image are required")
        if args.await_timeout_seconds <= args.active_deadline_seconds:
            raise ValueError(
                f"MigrationJob {name}: the await timeout must outlast activeDeadlineSeconds"
            )

        migrations = load_migrations(args.migrations_dir or default_migrations_dir())
        files = {m.file_name: m.sql for m in migrations}
        size = sum(len(sql.encode()) for sql in files.values())
        if size > CONFIGMAP_LIMIT_BYTES:
            raise ValueError(
                f"MigrationJob {name}: migrations total {size} bytes, too large for a ConfigMap"
            )
        files_digest = hashlib.sha256("".join(m.checksum for m in migrations).encode()).hexdigest()

        labels = {
            "app.kubernetes.io/managed-by": "pulumi",
            **args.labels,
            "app.kubernetes.io/name": "tenancy-migrations",
            "app.kubernetes.io/component": "db-migrations",
        }
        child = pulumi.ResourceOptions(parent=self)

        if args.passwords is not None:
            if len(args.passwords) != len(args.instance_connection_names):
                raise ValueError(f"MigrationJob {name}: one password per instance is needed")
            keys = [f"PASSWORD_{index}" for index in range(1, len(args.passwords) + 1)]
            credentials = k8s.core.v1.Secret(
                f"{name}-credentials",
                metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
                string_data=dict(zip(keys, args.passwords, strict=True)),
                opts=child,
            )
            args = replace(
                args, password_secret_name=credentials.metadata.name, password_secret_key=keys
            )

        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-sql",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data=files,
            opts=child,
        )

        proxy_args = [
            f"--port={FIRST_PROXY_PORT}",
            "--health-check",
            "--http-address=0.0.0.0",
            f"--http-port={PROXY_HEALTH_PORT}",
            "--structured-logs",
            # stopped by the kubelet when the migration is done: that is a success, not a failure
            "--exit-zero-on-sigterm",
        ]
        if args.private_ip:
            proxy_args.append("--private-ip")
        if args.password_secret_name is None:
            proxy_args.append("--auto-iam-authn")
        proxy = k8s.core.v1.ContainerArgs(
            name="cloud-sql-proxy",
            image=args.proxy_image,
            restart_policy="Always",  # a native sidecar
            args=[*proxy_args, *args.instance_connection_names],
            startup_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path="/startup", port=PROXY_HEALTH_PORT),
                period_seconds=1,
                failure_threshold=60,
            ),
            resources=k8s.core.v1.ResourceRequirementsArgs(**cast(Any, args.proxy_resources)),
            security_context=_container_security(),
        )

        migrate_containers = [
            k8s.core.v1.ContainerArgs(
                name=f"migrate-{index}",
                image=args.image,
                command=[
                    "tenancy",
                    "db",
                    "migrate",
                    "--dsn",
                    dsn,
                    *_grant_args(args),
                    *_password_args(password_key),
                ],
                env=self._migrate_env(),
                volume_mounts=[
                    k8s.core.v1.VolumeMountArgs(
                        name="migrations", mount_path=MIGRATIONS_MOUNT, read_only=True
                    ),
                    k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                    *_password_mounts(index, password_key),
                ],
                resources=k8s.core.v1.ResourceRequirementsArgs(**cast(Any, args.migrate_resources)),
                security_context=_container_security(),
            )
            for index, (dsn, password_key) in enumerate(
                zip(migrate_dsns(args), _password_keys(args), strict=True), start=1
            )
        ]

        self.job = k8s.batch.v1.Job(
            f"{name}-migrate",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=args.backoff_limit,
                ttl_seconds_after_finished=args.ttl_seconds_after_finished,
                active_deadline_seconds=args.active_deadline_seconds,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels=labels,
                        annotations={"tenancy/migrations-sha256": files_digest},
                    ),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=args.service_account_name,
                        restart_policy="Never",
                        security_context=_pod_security(),
                        init_containers=[proxy],
                        containers=migrate_containers,
                        volumes=[
                            k8s.core.v1.VolumeArgs(
                                name="migrations",
                                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                                    name=self.config_map.metadata.name
                                ),
                            ),
                            k8s.core.v1.VolumeArgs(
                                name="tmp",
                                empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi"),
                            ),
                            *_password_volumes(args),
                        ],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                custom_timeouts=pulumi.CustomTimeouts(
                    create=f"{args.await_timeout_seconds}s", update=f"{args.await_timeout_seconds}s"
                ),
            ),
        )

        self.job_name: pulumi.Output[str] = self.job.metadata.name
        self.config_map_name: pulumi.Output[str] = self.config_map.metadata.name
        self.register_outputs({"job_name": self.job_name, "config_map_name": self.config_map_name})

    @staticmethod
    def _migrate_env() -> list[k8s.core.v1.EnvVarArgs]:
        return [
            k8s.core.v1.EnvVarArgs(name=MIGRATIONS_DIR_ENV, value=MIGRATIONS_MOUNT),
            k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
            k8s.core.v1.EnvVarArgs(name="PYTHONDONTWRITEBYTECODE", value="1"),
        ]
