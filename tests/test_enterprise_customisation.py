"""Enterprise customisation (issue 16): each option's resources in the offline plan of the sample
tenant globex, and each guardrail's refusal with its file, line, field and reason."""

from __future__ import annotations

import pytest
from support import (
    ENTERPRISE,
    FREE,
    STANDARD,
    of_type,
    plan_stack,
    registry_problems,
    tenant_problems,
    write_tenant,
)

from components.conventions import helm_chart
from domain import names
from domain.iam_guardrails import ALLOWED_PREDEFINED_ROLES, permission_refusal
from domain.plan_model import PlanResource, PlanStack
from domain.registry import load_registry

BAD_FILES = [
    # --- tier knobs: only enterprise ------------------------------------------------------------
    (
        STANDARD.format(id="stdapp") + "app:\n  chart_version: 1.5.0\n",
        "stdapp.yaml:8: app.chart_version: tier 'standard' may not override this",
    ),
    (
        FREE.format(id="freeid") + "identity:\n  group: a@freeid.example\n",
        "freeid.yaml:7: identity.group: tier 'free' may not override this",
    ),
    # --- app -----------------------------------------------------------------------------------
    (
        ENTERPRISE.format(id="badver") + "app:\n  chart_version: latest\n",
        "badver.yaml:13: app.chart_version: 'latest' must be a SemVer version such as 1.4.2",
    ),
    (
        ENTERPRISE.format(id="privy")
        + "app:\n  values:\n    securityContext: {privileged: true}\n",
        "privy.yaml:14: app.values.securityContext: not a Helm value a tenant may set: containers "
        "run under the Pod Security 'restricted' profile",
    ),
    (
        ENTERPRISE.format(id="sneaky") + "app:\n  values:\n    hostPID: true\n",
        "sneaky.yaml:14: app.values.hostPID: not an allowed Helm value (allowed: replicaCount, "
        "resources, autoscaling, nodeSelector, config",
    ),
    (
        ENTERPRISE.format(id="nested") + "app:\n  values:\n    resources: {requests: {gpu: 1}}\n",
        "app.values.resources.requests.gpu: not an allowed Helm value",
    ),
    (
        ENTERPRISE.format(id="hugepod") + "app:\n  values:\n    replicaCount: 1000\n",
        "app.values.replicaCount: Input should be less than or equal to 100",
    ),
    (
        ENTERPRISE.format(id="shadow") + "app:\n  values:\n    config: {TENANT_ID: other}\n",
        "app.values.config: key 'TENANT_ID' must be CUSTOM_UPPER_SNAKE_CASE",
    ),
    (
        ENTERPRISE.format(id="hostsel")
        + "app:\n  values:\n    nodeSelector: {kubernetes.io/hostname: node-1}\n",
        "hostsel.yaml:14: app.values.nodeSelector: only 'cloud.google.com/gke-nodepool' may be "
        "selected on",
    ),
    (
        ENTERPRISE.format(id="nopool")
        + "app:\n  values:\n    nodeSelector: {cloud.google.com/gke-nodepool: gpu}\n",
        "nopool.yaml:14: app.values.nodeSelector: 'gpu' is not one of the tenant's node pools "
        "(default)",
    ),
    (
        ENTERPRISE.format(id="scaling")
        + "app:\n  values:\n    autoscaling: {minReplicas: 9, maxReplicas: 3}\n",
        "minReplicas (9) must not exceed maxReplicas (3)",
    ),
    # --- identity ---------------------------------------------------------------------------
    (
        ENTERPRISE.format(id="escalate")
        + "identity:\n  group: g@escalate.example\n  custom_roles:\n"
        "    - {id: admin, title: A, permissions: [resourcemanager.projects.setIamPolicy]}\n",
        "identity.custom_roles.0.permissions: 'resourcemanager.projects.setIamPolicy' is refused: "
        "changes who has access",
    ),
    (
        ENTERPRISE.format(id="orglevel")
        + "identity:\n  group: g@orglevel.example\n  custom_roles:\n"
        "    - {id: org, title: O, permissions: [resourcemanager.organizations.get]}\n",
        "'resourcemanager.organizations.get' is refused: organization-level",
    ),
    (
        ENTERPRISE.format(id="actas") + "identity:\n  group: g@actas.example\n  custom_roles:\n"
        "    - {id: deployer, title: D, permissions: [iam.serviceAccounts.actAs]}\n",
        "'iam.serviceAccounts.actAs' is refused: acts as a service account",
    ),
    (
        ENTERPRISE.format(id="shape") + "identity:\n  group: g@shape.example\n  custom_roles:\n"
        "    - {id: odd, title: O, permissions: ['storage objects get']}\n",
        "'storage objects get' is not an IAM permission (service.resource.verb)",
    ),
    (
        ENTERPRISE.format(id="hyphen") + "identity:\n  group: g@hyphen.example\n  custom_roles:\n"
        "    - {id: my-role, title: R, permissions: [storage.objects.get]}\n",
        "identity.custom_roles.0.id: 'my-role' must be a custom role id",
    ),
    (
        ENTERPRISE.format(id="owner") + "identity:\n  group: g@owner.example\n  grants:\n"
        "    - {role: roles/owner, on: project}\n",
        "owner.yaml:15: identity.grants.0: 'roles/owner' on project: not allowed on project",
    ),
    (
        ENTERPRISE.format(id="nowhere") + "identity:\n  group: g@nowhere.example\n  grants:\n"
        "    - {role: roles/browser, on: org}\n",
        "identity.grants.0.on: Input should be 'project', 'bucket', 'logs' or 'dashboards'",
    ),
    (
        ENTERPRISE.format(id="undefined") + "identity:\n  group: g@undefined.example\n  grants:\n"
        "    - {role: ghost, on: project}\n",
        "undefined.yaml:12: identity: grants[0]: 'ghost' is neither a predefined role "
        "(roles/...) nor the id of one of custom_roles",
    ),
    (
        ENTERPRISE.format(id="nogroup")
        + "identity:\n  grants:\n    - {role: roles/logging.viewer, on: logs}\n",
        "grants need `group`, the tenant's Google group that receives them",
    ),
    (
        ENTERPRISE.format(id="platproj").replace("dedicated_project: true", "")
        + "identity:\n  group: g@platproj.example\n  grants:\n"
        "    - {role: roles/logging.viewer, on: logs}\n",
        "platproj.yaml:14: identity.grants: custom roles and project, logs or dashboard grants "
        "needs dedicated_project: true",
    ),
]


@pytest.mark.parametrize(("body", "expected"), BAD_FILES, ids=[b[1][:40] for b in BAD_FILES])
def test_each_guardrail_refuses_its_bad_file(tenants_dir, settings, body, expected) -> None:
    tenant_id = body.split("id: ", 1)[1].split("\n", 1)[0]
    problems = tenant_problems(tenants_dir, settings, f"{tenant_id}.yaml", body)
    assert any(expected in p for p in problems), "\n".join(problems)


def test_a_bucket_grant_of_a_predefined_role_needs_no_project_of_its_own(
    tenants_dir, settings
) -> None:
    body = ENTERPRISE.format(id="bucketonly").replace("dedicated_project: true", "") + (
        "identity:\n  group: g@bucketonly.example\n  grants:\n"
        "    - {role: roles/storage.objectViewer, on: bucket}\n"
    )
    write_tenant(tenants_dir, "bucketonly.yaml", body)
    registry = load_registry(tenants_dir, settings)
    assert registry.get("bucketonly") is not None


def test_every_problem_of_a_file_is_reported_at_once(tenants_dir, settings) -> None:
    body = ENTERPRISE.format(id="many") + (
        "app:\n  chart_version: x\n  values:\n    image: {repository: evil}\n    replicaCount: 0\n"
        "identity:\n  group: g@many.example\n  custom_roles:\n"
        "    - {id: r, title: R, permissions: [billing.accounts.get]}\n"
    )
    write_tenant(tenants_dir, "many.yaml", body)
    problems = [p for p in registry_problems(tenants_dir, settings) if p.startswith("many.yaml")]
    fields = sorted(p.split(": ")[1] for p in problems)
    assert fields == [
        "app.chart_version",
        "app.values.image",
        "app.values.replicaCount",
        "identity.custom_roles.0.id",
        "identity.custom_roles.0.permissions",
    ], problems


@pytest.mark.parametrize(
    "permission",
    [
        "storage.objects.setIamPolicy",
        "resourcemanager.projects.delete",
        "iam.roles.update",
        "iam.serviceAccountKeys.create",
        "billing.resourceAssociations.create",
        "logging.sinks.create",
        "compute.networks.addPeering",
        "container.clusterRoleBindings.create",
    ],
)
def test_guardrail_permissions_are_refused(permission) -> None:
    assert permission_refusal(permission)


@pytest.mark.parametrize(
    "permission", ["storage.objects.get", "logging.logEntries.list", "cloudsql.instances.get"]
)
def test_read_permissions_are_allowed(permission) -> None:
    assert permission_refusal(permission) is None


def test_no_allowed_predefined_role_is_a_basic_role() -> None:
    roles = {r for allowed in ALLOWED_PREDEFINED_ROLES.values() for r in allowed}
    assert not roles & {"roles/owner", "roles/editor", "roles/viewer"}
    assert not any("admin" in r.lower() and "storage.objectAdmin" not in r for r in roles)


# --- the sample tenant's plan ------------------------------------------------------------------


def _app_release(stack: PlanStack) -> PlanResource:
    (release,) = [
        r
        for r in of_type(stack, "kubernetes:helm.sh/v3:Release")
        if r.name.endswith("-app-release")
    ]
    return release


def test_globex_runs_its_pinned_chart_with_its_values(sample_plan, settings) -> None:
    release = _app_release(plan_stack(sample_plan, "dev.globex"))
    assert release.inputs["version"] == "1.5.0" != settings.app_chart.version
    # the environment's chart, in the form Helm takes it (an OCI reference names the chart)
    assert release.inputs["chart"] == helm_chart(settings.app_chart)["chart"]
    values = release.inputs["values"]
    assert values["replicaCount"] == 4
    assert values["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert values["autoscaling"]["maxReplicas"] == 20
    assert values["nodeSelector"] == {"cloud.google.com/gke-nodepool": "app"}
    # the platform's values are untouched
    assert values["serviceAccount"] == {
        "create": False,
        "name": names.k8s_service_account("globex"),
    }
    assert values["service"] == {"type": "ClusterIP"}
    assert "config" not in values
    (config,) = [
        r
        for r in of_type(plan_stack(sample_plan, "dev.globex"), "kubernetes:core/v1:ConfigMap")
        if r.name == "globex-app-values"
    ]
    assert config.inputs["data"]["CUSTOM_SSO_DOMAIN"] == "globex.example"
    assert config.inputs["data"]["TENANT_ID"] == "globex"


def test_other_tenants_keep_the_environments_chart(sample_plan, settings) -> None:
    for name in ("dev.robinhood", "dev.coinbase"):
        release = _app_release(plan_stack(sample_plan, name))
        assert release.inputs["version"] == settings.app_chart.version
        assert "nodeSelector" not in release.inputs["values"]


def test_globex_custom_roles_and_group_grants(sample_plan, settings) -> None:
    stack = plan_stack(sample_plan, "dev.globex")
    project = names.dedicated_project_id("dev", "globex")
    (role,) = of_type(stack, "gcp:projects/iAMCustomRole:IAMCustomRole")
    assert role.inputs["project"] == project and role.inputs["roleId"] == "globexReportReader"
    assert role.options.protect is True
    group = "group:cloud-admins@globex.example"
    project_grants = {
        r.inputs["role"]
        for r in of_type(stack, "gcp:projects/iAMMember:IAMMember")
        if r.inputs["member"] == group
    }
    assert project_grants == {
        f"projects/{project}/roles/globexReportReader",
        "roles/logging.viewer",
        "roles/monitoring.dashboardViewer",
    }
    assert all(
        r.inputs["project"] == project
        for r in of_type(stack, "gcp:projects/iAMMember:IAMMember")
        if r.inputs["member"] == group
    )
    (bucket_grant,) = [
        r
        for r in of_type(stack, "gcp:storage/bucketIAMMember:BucketIAMMember")
        if r.inputs["member"] == group
    ]
    assert bucket_grant.inputs["role"] == "roles/storage.objectViewer"
    assert bucket_grant.inputs["bucket"] == names.uploads_bucket("dev", settings.project, "globex")
    # no stack but globex's names its group
    for other in sample_plan.stacks:
        if other.name != "dev.globex":
            assert "cloud-admins@globex.example" not in str([r.inputs for r in other.resources])
