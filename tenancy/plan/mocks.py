"""Deterministic stand-ins for what the cloud would compute (ids, emails, endpoints, secrets).

Outputs are the inputs plus the computed properties the program reads downstream, so every
``apply`` in the program runs for real. Values are derived from names, never random.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from domain.environment import EnvironmentSettings

_FAKE_CA = base64.b64encode(
    b"-----BEGIN CERTIFICATE-----\nMIIOFFLINEPLAN\n-----END CERTIFICATE-----\n"
).decode()


def _project(args: MockResourceArgs, settings: EnvironmentSettings) -> str:
    return args.inputs.get("project") or settings.project


def _service_account(args, settings):
    project = _project(args, settings)
    email = f"{args.inputs['accountId']}@{project}.iam.gserviceaccount.com"
    return {
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": str(abs(hash(email)) % 10**20),
    }


def _sql_instance(args, settings):
    project = _project(args, settings)
    region = args.inputs.get("region", settings.region)
    name = args.inputs.get("name", args.name)
    return {
        "connectionName": f"{project}:{region}:{name}",
        "privateIpAddress": "10.20.0.3",
        "publicIpAddress": "",
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{name}",
    }


def _cluster(args, settings):
    project = _project(args, settings)
    name = args.inputs.get("name", args.name)
    location = args.inputs.get("location", settings.region)
    return {
        "endpoint": "172.16.0.2",
        "masterAuth": {"clusterCaCertificate": _FAKE_CA},
        "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}",
        "id": f"projects/{project}/locations/{location}/clusters/{name}",
    }


def _network(args, settings):
    project = _project(args, settings)
    name = args.inputs.get("name", args.name)
    return {
        "selfLink": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/{name}",
        "id": f"projects/{project}/global/networks/{name}",
    }


def _subnetwork(args, settings):
    project = _project(args, settings)
    name = args.inputs.get("name", args.name)
    region = args.inputs.get("region", settings.region)
    return {
        "selfLink": f"https://www.googleapis.com/compute/v1/projects/{project}/regions/{region}/subnetworks/{name}",
        "id": f"projects/{project}/regions/{region}/subnetworks/{name}",
    }


def _bucket(args, settings):
    name = args.inputs.get("name", args.name)
    return {"url": f"gs://{name}", "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}"}


def _random_password(args, settings):
    return {"result": f"offline-{args.name}-password", "bcryptHash": "offline-hash"}


def _project_resource(args, settings):
    return {"number": "123456789012", "projectId": args.inputs.get("projectId", args.name)}


def _kms_key_ring(args, settings):
    project = _project(args, settings)
    location = args.inputs.get("location", settings.region)
    name = args.inputs.get("name", args.name)
    return {"id": f"projects/{project}/locations/{location}/keyRings/{name}"}


def _kms_key(args, settings):
    return {
        "id": f"{args.inputs.get('keyRing', 'keyring')}/cryptoKeys/"
        f"{args.inputs.get('name', args.name)}"
    }


def _global_address(args, settings):
    # A private service access range is internal; an ingress address is public.
    if args.inputs.get("purpose") == "VPC_PEERING":
        return {"address": "10.100.0.0"}
    return {"address": "203.0.113.10"}


def _managed_zone(args, settings):
    return {"nameServers": ["ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com."]}


def _firestore(args, settings):
    project = _project(args, settings)
    return {
        "uid": f"uid-{args.inputs.get('name', args.name)}",
        "id": f"projects/{project}/databases/{args.inputs.get('name', args.name)}",
    }


def _idp_tenant(args, settings):
    project = _project(args, settings)
    tenant_id = f"{args.inputs.get('displayName', args.name)}-a1b2c"
    return {"name": f"projects/{project}/tenants/{tenant_id}"}


def _temporal_namespace(args, settings):
    name = args.inputs.get("name", args.name)
    account = settings.temporal.account_id or "account"
    return {
        "id": f"{name}.{account}",
        "endpoints": {
            "grpcAddress": f"{name}.{account}.tmprl.cloud:7233",
            "webAddress": f"https://cloud.temporal.io/namespaces/{name}.{account}",
        },
    }


def _temporal_api_key(args, settings):
    return {"token": f"offline-token-{args.name}", "state": "active"}


def _temporal_service_account(args, settings):
    return {"id": f"sa-{args.name}", "state": "active"}


def _helm_release(args, settings):
    return {
        "status": {
            "status": "deployed",
            "namespace": args.inputs.get("namespace", "default"),
            "name": args.inputs.get("name", args.name),
        }
    }


def _notification_channel(args, settings):
    project = _project(args, settings)
    return {"name": f"projects/{project}/notificationChannels/{args.name}"}


def _uptime_check(args, settings):
    return {"uptimeCheckId": f"{args.name}-check"}


def _custom_service(args, settings):
    project = _project(args, settings)
    return {"name": f"projects/{project}/services/{args.inputs.get('serviceId', args.name)}"}


def _slo(args, settings):
    project = _project(args, settings)
    return {
        "name": f"projects/{project}/services/{args.inputs.get('service', 'service')}"
        f"/serviceLevelObjectives/{args.inputs.get('sloId', args.name)}"
    }


def _log_metric(args, settings):
    return {"name": args.inputs.get("name", args.name)}


def _pubsub_topic(args, settings):
    project = _project(args, settings)
    return {"id": f"projects/{project}/topics/{args.inputs.get('name', args.name)}"}


def _workflow(args, settings):
    project = _project(args, settings)
    region = args.inputs.get("region", "region")
    name = args.inputs.get("name", args.name)
    return {"id": f"projects/{project}/locations/{region}/workflows/{name}"}


def _service_identity(args, settings):
    service = args.inputs.get("service", "service").split(".")[0]
    # Service agent addresses (cloud.google.com/iam/docs/service-agents): Cloud SQL's is
    # gcp-sa-cloud-sql, most others gcp-sa-<service>.
    agent = {"sqladmin": "cloud-sql"}.get(service, service)
    email = f"service-123456789012@gcp-sa-{agent}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}"}


_COMPUTED: dict[str, Callable[[MockResourceArgs, EnvironmentSettings], dict[str, Any]]] = {
    "gcp:serviceaccount/account:Account": _service_account,
    "gcp:sql/databaseInstance:DatabaseInstance": _sql_instance,
    "gcp:container/cluster:Cluster": _cluster,
    "gcp:compute/network:Network": _network,
    "gcp:compute/subnetwork:Subnetwork": _subnetwork,
    "gcp:storage/bucket:Bucket": _bucket,
    "random:index/randomPassword:RandomPassword": _random_password,
    "gcp:organizations/project:Project": _project_resource,
    "gcp:kms/keyRing:KeyRing": _kms_key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _kms_key,
    "gcp:compute/globalAddress:GlobalAddress": _global_address,
    "gcp:compute/address:Address": _global_address,
    "gcp:dns/managedZone:ManagedZone": _managed_zone,
    "gcp:firestore/database:Database": _firestore,
    "gcp:identityplatform/tenant:Tenant": _idp_tenant,
    "temporalcloud:index/namespace:Namespace": _temporal_namespace,
    "temporalcloud:index/apikey:Apikey": _temporal_api_key,
    "temporalcloud:index/serviceAccount:ServiceAccount": _temporal_service_account,
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "gcp:monitoring/notificationChannel:NotificationChannel": _notification_channel,
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": _uptime_check,
    "gcp:monitoring/customService:CustomService": _custom_service,
    "gcp:monitoring/slo:Slo": _slo,
    "gcp:logging/metric:Metric": _log_metric,
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "gcp:pubsub/topic:Topic": _pubsub_topic,
    "gcp:workflows/workflow:Workflow": _workflow,
}


def computed_outputs(args: MockResourceArgs, settings: EnvironmentSettings) -> dict[str, Any]:
    """What the cloud would compute for this resource (nothing for most types)."""
    computed = _COMPUTED.get(args.typ)
    return computed(args, settings) if computed is not None else {}


class PlanMocks(Mocks):
    def __init__(self, settings: EnvironmentSettings, platform_outputs: dict[str, Any]):
        self.settings = settings
        self.platform_outputs = platform_outputs

    def new_resource(self, args: MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {
                "name": args.name,
                "outputs": self.platform_outputs,
                "secretOutputNames": [],
            }
        outputs = {**args.inputs, **computed_outputs(args, self.settings)}
        if args.typ.startswith("kubernetes:") and "metadata" in outputs:
            meta = dict(outputs["metadata"] or {})
            meta.setdefault("name", args.name)
            outputs["metadata"] = meta
        return outputs.get("id") or f"{args.name}-id", outputs

    def call(self, args: MockCallArgs):
        if args.token == "gcp:organizations/getClientConfig:getClientConfig":
            return {
                "accessToken": "offline-token",
                "project": self.settings.project,
                "region": self.settings.region,
            }
        if args.token == "gcp:organizations/getProject:getProject":
            return {
                "number": "123456789012",
                "projectId": args.args.get("projectId", self.settings.project),
            }
        if args.token == "gcp:secretmanager/getSecretVersion:getSecretVersion":
            # The on-call tokens live in Secret Manager; the plan never sees them.
            return {"secretData": "offline-secret", "name": args.args.get("secret", "")}
        return {}
