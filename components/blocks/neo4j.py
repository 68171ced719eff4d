"""Neo4j from its Helm chart in the tenant namespace: a generated password, a persistent volume
that outlives the release (reclaim policy Retain), single instance or a 3-member cluster."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.blocks.gke_cluster import RETAINED_STORAGE_CLASS
from components.conventions import (
    Ownership,
    child,
    helm_chart,
    restricted_container_security,
    restricted_pod_security,
)
from domain.environment import ChartRef

CLUSTER_MEMBERS = 3
BOLT_PORT = 7687
NEO4J_NAME_LABEL = "helm.neo4j.com/neo4j.name"  # on every member's pods (neo4j.name)


@dataclass
class Neo4jArgs:
    release_name: str
    namespace: pulumi.Input[str]
    chart: ChartRef
    storage_gb: int
    cluster_mode: bool
    ownership: Ownership
    k8s_provider: pulumi.ProviderResource | None
    # APOC core for the scheduled exports (Neo4jExports): shipped in the image, not downloaded.
    apoc: bool = False


def apoc_values() -> dict:
    """Chart values that load APOC core. The image's entrypoint installs a plugin named in
    NEO4J_PLUGINS from the copy the image ships (/var/lib/neo4j/labs/apoc-*-core.jar), without a
    download, into /plugins when that directory is mounted (neo4j/docker-neo4j
    docker-entrypoint.sh, install_neo4j_plugins / load_plugin_from_location). The chart mounts
    each entry of ``volumes`` at /<name> (neo4j/helm-charts neo4j/templates/_volumeTemplate.tpl)
    and copies ``env`` into the server's environment (neo4j-env.yaml); ``share`` puts /plugins on
    the data volume, writable by the pod's fsGroup, so the non-root server can install it."""
    return {
        "env": {"NEO4J_PLUGINS": '["apoc"]'},
        "volumes": {"plugins": {"mode": "share", "share": {"name": "data"}}},
    }


class Neo4j(pulumi.ComponentResource):
    members: list[str]  # release names, one per member
    password: random.RandomPassword
    auth_secret_name: str

    def __init__(self, name: str, args: Neo4jArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:blocks:Neo4j", name, {}, opts)
        own = args.ownership
        self.password = random.RandomPassword(
            f"{name}-password", length=32, special=False, opts=child(self)
        )
        self.auth_secret_name = f"{args.release_name}-auth"
        auth = k8s.core.v1.Secret(
            f"{name}-auth",
            metadata=own.k8s_meta(self.auth_secret_name, args.namespace),
            string_data={"NEO4J_AUTH": pulumi.Output.concat("neo4j/", self.password.result)},
            opts=child(self, provider=args.k8s_provider),
        )
        members = self.members = (
            [f"{args.release_name}-{i}" for i in range(1, CLUSTER_MEMBERS + 1)]
            if args.cluster_mode
            else [args.release_name]
        )
        apoc = apoc_values() if args.apoc else {"env": {}, "volumes": {}}
        for member in members:
            k8s.helm.v3.Release(
                f"{name}-{member}" if args.cluster_mode else f"{name}-release",
                name=member,
                **helm_chart(args.chart),
                namespace=args.namespace,
                atomic=True,
                values={
                    "neo4j": {
                        "name": args.release_name,
                        "edition": "enterprise" if args.cluster_mode else "community",
                        "acceptLicenseAgreement": "yes" if args.cluster_mode else "no",
                        "minimumClusterSize": CLUSTER_MEMBERS if args.cluster_mode else 1,
                        "passwordFromSecret": self.auth_secret_name,
                        "resources": {"cpu": "1", "memory": "4Gi"},
                        # the chart puts neo4j.labels on its pods and Services (not podLabels)
                        "labels": own.k8s_labels(),
                    },
                    **({"env": apoc["env"]} if apoc["env"] else {}),
                    "volumes": {
                        **apoc["volumes"],
                        "data": {
                            "mode": "dynamic",
                            "dynamic": {
                                "storageClassName": RETAINED_STORAGE_CLASS,
                                "requests": {"storage": f"{args.storage_gb}Gi"},
                            },
                        },
                    },
                    "securityContext": restricted_pod_security(),
                    "containerSecurityContext": {
                        **restricted_container_security(),
                        "readOnlyRootFilesystem": False,
                    },
                    "services": {
                        "neo4j": {"enabled": False}
                    },  # no LoadBalancer: reachable in-namespace only
                },
                opts=own.stateful(child(self, provider=args.k8s_provider, depends_on=[auth])),
            )
        # Each release names its Services after itself (<member>, <member>-admin); in cluster mode
        # no Service bears the release name, so one here spans the members for bolt routing.
        self.service_name = args.release_name
        if args.cluster_mode:
            k8s.core.v1.Service(
                f"{name}-service",
                metadata=own.k8s_meta(args.release_name, args.namespace),
                spec=k8s.core.v1.ServiceSpecArgs(
                    type="ClusterIP",
                    selector={NEO4J_NAME_LABEL: args.release_name},
                    ports=[
                        k8s.core.v1.ServicePortArgs(
                            name="bolt", port=BOLT_PORT, target_port=BOLT_PORT
                        )
                    ],
                ),
                opts=child(self, provider=args.k8s_provider),
            )
        self.register_outputs({"releases": members})
