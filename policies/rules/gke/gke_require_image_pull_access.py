"""gke-require-image-pull-access: nodes can read the Artifact Registry repositories of the images
their workloads run."""

from __future__ import annotations

from domain.provider_facts import ARTIFACT_REGISTRY_SOURCE, artifact_registry_repository
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.k8s import containers, pod_spec
from policies.lib.ordering import peek, peek_in
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView
from policies.lib.values import is_unknown

NAME = "gke-require-image-pull-access"
ANCHORS = (provider("artifact-registry-pull-access", ARTIFACT_REGISTRY_SOURCE),)
REPOSITORY_GRANTS = (
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
)
READER_ROLES = frozenset(
    {
        "roles/artifactregistry.reader",
        "roles/artifactregistry.writer",
        "roles/artifactregistry.repoAdmin",
        "roles/artifactregistry.admin",
    }
)


def _node_accounts(view: StackView) -> set[str]:
    accounts = set()
    for subject in view.of_type(kinds.CLUSTER, kinds.NODE_POOL):
        email = peek(subject, "nodeConfig.serviceAccount")
        if email is not None and not is_unknown(email):
            accounts.add(f"serviceAccount:{email}")
    return accounts


def _grants(view: StackView) -> list[tuple[str, str | None, str | None, set[str]]]:
    """(project, location, repository, members) of every reader grant; None: the whole project."""
    found: list[tuple[str, str | None, str | None, set[str]]] = []
    for grant in view.of_type(*REPOSITORY_GRANTS, *kinds.PROJECT_IAM_TYPES):
        if peek(grant, "role") not in READER_ROLES:
            continue
        members = {str(peek(grant, "member"))} | {
            str(m) for m in (peek(grant, "members") or []) if not is_unknown(m)
        }
        if grant.type in REPOSITORY_GRANTS:
            found.append(
                (
                    str(peek(grant, "project")),
                    str(peek(grant, "location")),
                    str(peek(grant, "repository")),
                    members,
                )
            )
        else:
            found.append((str(peek(grant, "project")), None, None, members))
    return found


def check(view: StackView, report: Report, config: Config) -> None:
    clusters = view.of_type(kinds.CLUSTER)
    if not clusters:
        return  # workloads on another stack's clusters: that stack's nodes pull
    node_projects = {str(peek(c, "project")) for c in clusters}
    accounts = _node_accounts(view)
    grants = _grants(view)
    for workload in view.of_type(*kinds.POD_SPEC_PATHS):
        for where, container in containers(pod_spec(workload)):
            image = str(peek_in(container, "image") or "")
            repo = artifact_registry_repository(image)
            if repo is None or repo.project in node_projects:
                continue
            for account in sorted(accounts):
                readable = any(
                    project == repo.project
                    and (
                        location is None or (location == repo.location and name == repo.repository)
                    )
                    and account in members
                    for project, location, name, members in grants
                )
                if not readable:
                    report.violation(
                        f"{workload.label}: {where} pulls {image!r} from project {repo.project}, "
                        f"but the nodes ({account.removeprefix('serviceAccount:')}) run in "
                        f"{', '.join(sorted(node_projects))} with no reader grant on "
                        f"{repo.location}/{repo.repository}",
                        workload.urn,
                    )


POLICY = stack_policy(
    name=NAME,
    description=(
        "Workloads on a stack's own cluster run Artifact Registry images from other projects only "
        "where the node service account is granted read access to that repository or project."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation=(
        "Grant the node service account roles/artifactregistry.reader on the image's repository "
        "(RepositoryIamMember)."
    ),
)
