"""IAM grants the tiers share: Cloud SQL access narrowed by IAM conditions to named instances."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp


def cloudsql_access(
    name: str,
    project: pulumi.Input[str],
    member: pulumi.Input[str],
    instances: list[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """``cloudsql.client`` and ``instanceUser`` on exactly these instances (project-level roles + a
    condition)."""
    expression = pulumi.Output.all(project).apply(
        lambda p: " || ".join(
            f'resource.name == "projects/{p[0]}/instances/{i}"' for i in instances
        )
    )
    for role in ("roles/cloudsql.client", "roles/cloudsql.instanceUser"):
        gcp.projects.IAMMember(
            f"{name}-{role.split('.')[-1].lower()}",
            project=project,
            role=role,
            member=member,
            condition=gcp.projects.IAMMemberConditionArgs(
                title=f"{name}-instances",
                expression=expression,
                description="Only this tenant's Cloud SQL instances",
            ),
            opts=opts,
        )
