"""kms-restrict-tenant-keys: a tenant's data is encrypted only with keys of its own project, and its
keys are usable only by Google's service agents, never by a person or another identity."""

from __future__ import annotations

import re

from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.identities import parse_member, roles_and_members
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "kms-restrict-tenant-keys"
ANCHORS = (
    tenancy("seed-002-enterprise-compliance", "Encryption at rest with the tenant's own keys"),
)
KEY_RE = re.compile(r"^projects/(?P<project>[^/]+)/locations/[^/]+/keyRings/[^/]+/cryptoKeys/")
KEY_GRANTS = (
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
    "gcp:kms/cryptoKeyIAMPolicy:CryptoKeyIAMPolicy",
)
# Where each type names the key its data is encrypted with (pulumi-gcp inputs).
KEY_INPUTS = {
    kinds.SQL_INSTANCE: "encryptionKeyName",
    kinds.FIRESTORE_DATABASE: "cmekConfig.kmsKeyName",
    kinds.CLUSTER: "databaseEncryption.keyName",
    kinds.BUCKET: "encryption.defaultKmsKeyName",
}


def _check_key_use(subject: Subject, path: str, report: Report) -> None:
    key = subject.get(path)
    if key is None or is_unknown(key):
        return
    match = KEY_RE.match(str(key))
    project = subject.get("project")
    if match is None:
        report.violation(f"{subject.label}: {path} {key!r} is not a Cloud KMS key", subject.urn)
    elif project is not None and not is_unknown(project) and match["project"] != project:
        report.violation(
            f"{subject.label}: {path} is a key of project {match['project']!r}, not of the "
            f"resource's own project {project!r}: another tenant's or the platform's key",
            subject.urn,
        )


def check(view: StackView, report: Report, config: Config) -> None:
    if view.ref.is_platform:
        return
    for subject in view.subjects:
        with report.deciding(subject.label, subject.urn):
            if subject.type in KEY_INPUTS:
                _check_key_use(subject, KEY_INPUTS[subject.type], report)
            elif subject.type in KEY_GRANTS:
                for role, member in roles_and_members(subject):
                    if parse_member(str(member)).kind != "service-agent":
                        report.violation(
                            f"{subject.label}: grants {role} on a tenant key to {member}; only "
                            "Google's service agents use a tenant's keys",
                            subject.urn,
                        )


POLICY = stack_policy(
    name=NAME,
    description=(
        "In a tenant stack, Cloud SQL, Firestore, GKE secrets and buckets are encrypted only with "
        "keys of their own project, and key grants go only to Google service agents."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Take keys from the tenant's own TenantKeys (or its bucket's key) and grant them "
    "to the service agent that uses them (projects.ServiceIdentity).",
)
