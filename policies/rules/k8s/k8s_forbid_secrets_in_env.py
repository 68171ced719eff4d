"""k8s-forbid-secrets-in-env: containers read Secrets as mounted files, not environment variables.

Source: Checkov CKV_K8S_35, "Prefer using secrets as files over secrets as environment variables"
(checkov/kubernetes/checks/resource/k8s/Secrets.py: a container or init container fails on an
``env[].valueFrom.secretKeyRef`` or an ``envFrom[].secretRef``), after CIS Kubernetes Benchmark
5.4.1: an environment is easily logged or shown, a file is read only by who opens it.
"""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.k8s import containers, pod_spec
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import elements, get

NAME = "k8s-forbid-secrets-in-env"
ANCHORS = (
    checkov("CKV_K8S_35", "Prefer using secrets as files over secrets as environment variables"),
)


def check(workload: Subject, report: Report, config: Config) -> None:
    spec = pod_spec(workload)
    if spec is None:
        return
    for where, container in containers(spec):
        for variable in elements(get(container, "env"), "env"):
            secret = get(variable, "valueFrom.secretKeyRef")
            if secret is not None:
                report.violation(
                    f"{workload.label}: {where} reads Secret {get(secret, 'name', '?')!r} key "
                    f"{get(secret, 'key', '?')!r} into ${get(variable, 'name', '?')}; mount it as "
                    "a file"
                )
        for source in elements(get(container, "envFrom"), "envFrom"):
            secret = get(source, "secretRef")
            if secret is not None:
                report.violation(
                    f"{workload.label}: {where} loads Secret {get(secret, 'name', '?')!r} into its "
                    "environment; mount it as a file"
                )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Containers and init containers take no Secret through env (secretKeyRef) or envFrom "
        "(secretRef); Secrets are mounted as files."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=frozenset(kinds.POD_SPEC_PATHS),
    check=check,
    remediation=(
        "Mount the Secret as a volume (items: key -> path, defaultMode 0440) and have the program "
        "read the file (e.g. `tenancy db migrate --password-file`)."
    ),
)
