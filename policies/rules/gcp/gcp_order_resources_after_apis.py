"""gcp-order-resources-after-apis: in a project the stack creates, every resource waits for the API
it needs."""

from __future__ import annotations

from domain.provider_facts import API_OF_TYPE, BINARY_AUTHORIZATION_API
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.ordering import Waits, peek
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "gcp-order-resources-after-apis"
ANCHORS = (
    provider(
        "gcp-enable-apis",
        "https://cloud.google.com/binary-authorization/docs/setting-up",
    ),
)
PROJECT = "gcp:organizations/project:Project"
SERVICE = "gcp:projects/service:Service"
ENFORCING = "PROJECT_SINGLETON_POLICY_ENFORCE"


def _needs(resource: Subject) -> list[str]:
    apis = [API_OF_TYPE[resource.type]] if resource.type in API_OF_TYPE else []
    if (
        resource.type == kinds.CLUSTER
        and peek(resource, "binaryAuthorization.evaluationMode") == ENFORCING
    ):
        apis.append(BINARY_AUTHORIZATION_API)
    return apis


def _in_project(resource: Subject, project: Subject) -> bool:
    """The resource lives in the project: named by id, or (id unknown) fed by the project."""
    wanted = peek(project, "projectId")
    value = peek(resource, "project")
    if (
        value is not None
        and not is_unknown(value)
        and wanted is not None
        and not is_unknown(wanted)
    ):
        return value == wanted
    return project.urn in resource.dependencies


def check(view: StackView, report: Report, config: Config) -> None:
    projects = view.of_type(PROJECT)
    if not projects:
        return  # APIs of existing projects are enabled outside the program
    waits = Waits(view)
    services = view.of_type(SERVICE)
    for project in projects:
        enabled = {str(peek(s, "service")): s for s in services if _in_project(s, project)}
        for resource in view.subjects:
            apis = _needs(resource)
            if not apis or not _in_project(resource, project):
                continue
            for api in apis:
                service = enabled.get(api)
                if service is None:
                    report.violation(
                        f"{resource.label}: needs {api}, which the stack never enables in "
                        f"{project.label}",
                        resource.urn,
                    )
                elif not waits.after(resource, service):
                    report.violation(
                        f"{resource.label}: may be created before {api} is enabled "
                        f"({service.label}); depend on it",
                        resource.urn,
                    )


POLICY = stack_policy(
    name=NAME,
    description=(
        "Resources in a project the stack creates wait for the Service that enables their API "
        "(Binary Authorization for clusters that enforce it, Identity Toolkit for Identity "
        "Platform)."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Add the API to TenantProject.REQUIRED_APIS and let the resource depend on the project's "
        "services."
    ),
)
