"""kms-order-grants-after-service-agent: key grants to a new project's service agents wait for what
creates the agent, and CMEK buckets for the grant."""

from __future__ import annotations

from domain.provider_facts import SERVICE_AGENT_SOURCE
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.ordering import Waits, peek, peek_list
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "kms-order-grants-after-service-agent"
ANCHORS = (provider("gcp-service-agent-lookup", SERVICE_AGENT_SOURCE),)
PROJECT = "gcp:organizations/project:Project"
SERVICE = "gcp:projects/service:Service"
SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity"
KEY_GRANTS = (
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
)
# Service agent address → the API whose enablement (and lookup) brings it into being.
AGENT_APIS = {
    "@gs-project-accounts.": "storage.googleapis.com",
    "@gcp-sa-cloud-sql.": "sqladmin.googleapis.com",
    "@gcp-sa-firestore.": "firestore.googleapis.com",
    "@container-engine-robot.": "container.googleapis.com",
    "@compute-system.": "compute.googleapis.com",
}
GCS_AGENT = "@gs-project-accounts."


def _members(grant: Subject) -> list[str]:
    raw = [peek(grant, "member")] if peek(grant, "member") is not None else []
    raw += list(peek_list(grant, "members"))
    return [str(m) for m in raw if not is_unknown(m)]


def _agent_api(member: str) -> str | None:
    if not member.startswith("serviceAccount:service-"):
        return None
    return next((api for marker, api in AGENT_APIS.items() if marker in member), None)


def check(view: StackView, report: Report, config: Config) -> None:
    grants = view.of_type(*KEY_GRANTS)
    if not grants:
        return
    waits = Waits(view)
    if view.of_type(PROJECT):  # a project made in this run has no agents yet
        makers = view.of_type(SERVICE, SERVICE_IDENTITY)
        for grant in grants:
            for member in _members(grant):
                api = _agent_api(member)
                if api is None:
                    continue
                ready = [m for m in makers if peek(m, "service") == api]
                if not any(waits.after(grant, m) for m in ready):
                    report.violation(
                        f"{grant.label}: grants the key to "
                        f"{member.removeprefix('serviceAccount:')}, which does not exist in a "
                        f"new project until {api} is enabled and the agent looked up "
                        "(storage.get_project_service_account / projects.ServiceIdentity); "
                        "an interpolated address fails",
                        grant.urn,
                    )
    gcs_grants = [g for g in grants if any(GCS_AGENT in m for m in _members(g))]
    for bucket in view.of_type(kinds.BUCKET):
        key = peek(bucket, "encryption.defaultKmsKeyName")
        if key is None:
            continue
        mine = [
            g
            for g in gcs_grants
            if is_unknown(peek(g, "cryptoKeyId"))
            or peek(g, "cryptoKeyId") == key
            or is_unknown(key)
        ]
        if mine and not any(waits.after(bucket, g) for g in mine):
            report.violation(
                f"{bucket.label}: uses key {key!r} before {mine[0].label} lets Cloud Storage "
                "use it; "
                "the bucket must depend on the grant",
                bucket.urn,
            )


POLICY = stack_policy(
    name=NAME,
    description=(
        "In a stack that creates its project, KMS grants to Google service agents wait for the API "
        "or service-identity lookup that creates the agent; CMEK buckets wait for their key grant."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Take the agent from gcp.storage.get_project_service_account (or "
        "projects.ServiceIdentity), "
        "ordered after the API, and make the bucket depend on the grant."
    ),
)
