"""Scheduled exports of a tenant's PostgreSQL instances into its bucket (enterprise
`databases.exports`).

One CronJob per instance, in the tenant namespace, as the tenant's own Kubernetes service
account, so no new identity or grant: the Cloud SQL Auth Proxy (a native sidecar) signs in with
IAM database authentication as the services' login, ``pg_dump`` dumps the application schema with
row-level security on and the tenant set (the dump holds exactly what the services can read),
and ``gcloud storage cp`` writes it under ``postgres-exports/<instance>/`` of the tenant bucket,
which the tenant's identity may write. The dump command is ``dump_command``; tests run it against
a real PostgreSQL server.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.scheduled_job import scheduled_job
from components.conventions import Ownership, restricted_container_security

EXPORT_PREFIX = "postgres-exports"
PROXY_PORT = 5432


def dump_command(tenant_id: str, database: str, user: str, out: str) -> tuple[list[str], dict]:
    """(argv, environment) of the dump: custom format, the public schema, RLS enforced."""
    argv = [
        "pg_dump",
        "--host=127.0.0.1",
        f"--port={PROXY_PORT}",
        f"--username={user}",
        f"--dbname={database}",
        "--schema=public",
        # The migrations' bookkeeping is the platform's, not the tenant's data (and the login
        # may not read it).
        "--exclude-table=public.schema_migrations",
        "--no-owner",
        "--no-privileges",
        # Fail instead of silently dumping an empty table when RLS hides rows from a role that
        # would need BYPASSRLS; with it on, the dump is what the login may read.
        "--enable-row-security",
        "--format=custom",
        f"--file={out}",
    ]
    return argv, {"PGOPTIONS": f"-c app.current_tenant={tenant_id}"}


@dataclass
class PostgresExportsArgs:
    tenant_id: str
    instances: list[pulumi.Input[str]]  # connection names
    instance_names: list[str]
    database: str
    login: pulumi.Input[str]  # the services' IAM database user
    bucket_name: pulumi.Input[str]
    namespace: pulumi.Input[str]
    service_account: str
    schedule: str
    proxy_image: str
    postgres_image: str
    gcloud_image: str
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None


class PostgresExports(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: PostgresExportsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:PostgresExports", name, {}, opts)
        own = args.ownership
        for connection, instance in zip(args.instances, args.instance_names, strict=True):
            self._cronjob(f"{name}-{instance}", args, own, connection, instance)
        self.register_outputs({})

    def _cronjob(
        self,
        name: str,
        args: PostgresExportsArgs,
        own: Ownership,
        connection: pulumi.Input[str],
        instance: str,
    ) -> None:
        dump_file = f"/dump/{instance}.dump"
        dump = pulumi.Output.from_input(args.login).apply(
            lambda login: dump_command(args.tenant_id, args.database, login, dump_file)
        )
        upload = pulumi.Output.from_input(args.bucket_name).apply(
            lambda bucket: [
                "/bin/sh",
                "-c",
                f'gcloud storage cp {dump_file} "gs://{bucket}/{EXPORT_PREFIX}/{instance}/'
                f'$(date -u +%Y%m%dT%H%M%SZ).dump"',
            ]
        )
        scratch = [
            k8s.core.v1.VolumeMountArgs(name="dump", mount_path="/dump"),
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
        ]
        home = k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp")
        scheduled_job(
            name,
            parent=self,
            provider=args.k8s_provider,
            ownership=own,
            job_name=f"{instance}-export",
            namespace=args.namespace,
            schedule=args.schedule,
            app="postgres-export",
            service_account=args.service_account,
            init_containers=[
                # A native sidecar (restartPolicy Always): it runs beside
                # the dump and stops when the upload has finished.
                k8s.core.v1.ContainerArgs(
                    name="cloud-sql-proxy",
                    image=args.proxy_image,
                    restart_policy="Always",
                    args=pulumi.Output.concat(connection).apply(
                        lambda c: [
                            "--auto-iam-authn",
                            "--private-ip",
                            f"--port={PROXY_PORT}",
                            c,
                        ]
                    ),
                    security_context=restricted_container_security(),
                ),
                k8s.core.v1.ContainerArgs(
                    name="dump",
                    image=args.postgres_image,
                    command=dump.apply(lambda d: d[0]),
                    env=dump.apply(
                        lambda d: [k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in d[1].items()]
                    ),
                    security_context=restricted_container_security(),
                    volume_mounts=scratch,
                ),
            ],
            containers=[
                k8s.core.v1.ContainerArgs(
                    name="upload",
                    image=args.gcloud_image,
                    command=upload,
                    env=[home],
                    security_context=restricted_container_security(),
                    volume_mounts=scratch,
                )
            ],
            scratch=["dump", "tmp"],
            backoff_limit=2,
            active_deadline_seconds=6 * 3600,
            history_limit=3,
        )
