"""Scheduled online exports of a tenant's Neo4j into its bucket (enterprise `databases.exports`),
for either edition: a Cypher script of the whole database, a file in the tenant's bucket.

Why APOC and not ``neo4j-admin``: the Community Edition (a tenant with ``ha: false``) can only
``neo4j-admin database dump`` a stopped database, and online backup is Enterprise only (Neo4j
Operations Manual, "Back up an online database"). APOC core's ``apoc.export.cypher.all`` runs
on a live database; with ``stream: true`` and no file name it returns the statements to the
client in batches (rows of ``cypherStatements``) and needs no ``apoc.export.file.enabled``
(neo4j/apoc core ApocConfig.checkWriteAllowed: refused only with a file name or without
streaming), so nothing is written on the server. APOC core is loaded by the Neo4j release
(``neo4j.apoc_values``).

The CronJob runs as the tenant's own Kubernetes service account (no new identity: its Workload
Identity may already write the bucket): ``cypher-shell`` (in the Neo4j image) signs in with the
release's password, mounted from its Secret as a file, and writes each batch base64-encoded
(``apoc.text.base64Encode``), so the plain output is one quoted base64 string per line whatever
the data holds; ``EXPORT_SCRIPT`` decodes them into the script (tested with a stand-in
cypher-shell, tests/ops/test_neo4j_export.py). ``gcloud storage cp`` then uploads it under
``neo4j-exports/<release>/<UTC stamp>.cypher``. Restore: ``cypher-shell -f`` of the file into an
empty database (docs/enterprise-data.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.blocks.scheduled_job import scheduled_job
from components.conventions import Ownership, restricted_container_security

EXPORT_PREFIX = "neo4j-exports"
EXPORT_FILE = "/dump/neo4j.cypher"
AUTH_DIR = "/auth"  # the release's Secret, key NEO4J_AUTH = "neo4j/<password>"
# cypher-shell's own format; statements batched, each batch one row.
EXPORT_QUERY = (
    "CALL apoc.export.cypher.all(null, {stream: true, format: 'cypher-shell'}) "
    "YIELD cypherStatements WHERE cypherStatements IS NOT NULL "
    "RETURN apoc.text.base64Encode(cypherStatements) AS batch"
)
# cypher-shell reads NEO4J_USERNAME / NEO4J_PASSWORD from the environment; the password never
# appears in the pod spec (k8s-forbid-secrets-in-env) or on a command line.
EXPORT_SCRIPT = """\
set -euo pipefail
NEO4J_USERNAME=neo4j
NEO4J_PASSWORD=$(cut -d/ -f2- "${AUTH_DIR}/NEO4J_AUTH")
export NEO4J_USERNAME NEO4J_PASSWORD
cypher-shell -a "${NEO4J_URI}" --format plain --non-interactive "${EXPORT_QUERY}" > /dump/rows
# the first line names the column; every further line is one batch, a quoted base64 string
tail -n +2 /dump/rows | while IFS= read -r row; do
  row=${row#\\"}
  printf '%s' "${row%\\"}" | base64 -d
done > "${EXPORT_FILE}"
rm /dump/rows
"""


@dataclass
class Neo4jExportsArgs:
    release_name: str
    namespace: pulumi.Input[str]
    uri: str  # the bolt address the app uses
    auth_secret: str  # the release's Secret (NEO4J_AUTH)
    service_account: str  # the tenant KSA: Workload Identity may write the bucket
    bucket_name: pulumi.Input[str]
    schedule: str
    neo4j_image: str  # has cypher-shell; the same Neo4j version as the chart
    gcloud_image: str
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None


def upload_command(bucket: str, release: str) -> list[str]:
    return [
        "/bin/sh",
        "-c",
        f'gcloud storage cp {EXPORT_FILE} "gs://{bucket}/{EXPORT_PREFIX}/{release}/'
        f'$(date -u +%Y%m%dT%H%M%SZ).cypher"',
    ]


class Neo4jExports(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: Neo4jExportsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:Neo4jExports", name, {}, opts)
        own = args.ownership
        scratch = [
            k8s.core.v1.VolumeMountArgs(name="dump", mount_path="/dump"),
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
        ]
        home = k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp")
        export = k8s.core.v1.ContainerArgs(
            name="export",
            image=args.neo4j_image,
            command=["/bin/bash", "-c", EXPORT_SCRIPT],
            env=[
                home,
                k8s.core.v1.EnvVarArgs(name="NEO4J_URI", value=args.uri),
                k8s.core.v1.EnvVarArgs(name="EXPORT_QUERY", value=EXPORT_QUERY),
                k8s.core.v1.EnvVarArgs(name="EXPORT_FILE", value=EXPORT_FILE),
                k8s.core.v1.EnvVarArgs(name="AUTH_DIR", value=AUTH_DIR),
            ],
            security_context=restricted_container_security(),
            volume_mounts=[
                *scratch,
                k8s.core.v1.VolumeMountArgs(name="auth", mount_path=AUTH_DIR, read_only=True),
            ],
        )
        upload = k8s.core.v1.ContainerArgs(
            name="upload",
            image=args.gcloud_image,
            command=pulumi.Output.from_input(args.bucket_name).apply(
                lambda bucket: upload_command(bucket, args.release_name)
            ),
            env=[home],
            security_context=restricted_container_security(),
            volume_mounts=scratch,
        )
        scheduled_job(
            name,
            parent=self,
            provider=args.k8s_provider,
            ownership=own,
            job_name=f"{args.release_name}-export",
            namespace=args.namespace,
            schedule=args.schedule,
            app="neo4j-export",
            service_account=args.service_account,
            # the export, then the upload of what it wrote
            init_containers=[export],
            containers=[upload],
            scratch=["dump", "tmp"],
            volumes=[
                k8s.core.v1.VolumeArgs(
                    name="auth",
                    secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=args.auth_secret),
                )
            ],
            backoff_limit=2,
            active_deadline_seconds=6 * 3600,
            history_limit=3,
        )
        self.register_outputs({})
