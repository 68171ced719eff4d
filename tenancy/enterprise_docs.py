"""The "Enterprise customisation" section of ``docs/tiers.md``: the documented schema of what an
enterprise tenant file may customise, generated from the code that enforces it
(``domain/registry/enterprise.py``, ``domain/iam_guardrails.py``)."""

from __future__ import annotations

from pydantic import BaseModel

from domain import iam_guardrails
from domain.registry import enterprise


def _flatten(model: type[BaseModel], prefix: str = "") -> list[str]:
    found = []
    for name, spec in model.model_fields.items():
        nested = next(
            (
                arg
                for arg in getattr(spec.annotation, "__args__", ())
                if isinstance(arg, type) and issubclass(arg, enterprise.Strict)
            ),
            None,
        )
        found += _flatten(nested, f"{prefix}{name}.") if nested else [f"{prefix}{name}"]
    return found


def enterprise_markdown() -> str:
    lines = [
        "## Enterprise customisation",
        "",
        "What the `app`, `identity`, `encryption` and `tls` sections of an enterprise tenant file "
        "accept (`domain/registry/enterprise.py`); `tenancy validate` refuses anything else with "
        "its file, line, field and reason. Custom roles, project, log and dashboard grants, CMEK "
        "and a customer certificate need `dedicated_project: true`: they live in the tenant's "
        "own project, never in the platform's.",
        "",
        "### App chart and Helm values",
        "",
        "`app.chart_version` pins the version of the environment's app chart (SemVer); the "
        "repository and the chart stay the environment's. `app.values` takes only these keys "
        "(policy `k8s-restrict-tenant-app-values` holds the plan to them):",
        "",
        "| key | what |",
        "|---|---|",
    ]
    for name in enterprise.ALLOWED_VALUES:
        spec = enterprise.AppValues.model_fields[name]
        nested = next(
            (
                arg
                for arg in getattr(spec.annotation, "__args__", ())
                if isinstance(arg, type) and issubclass(arg, enterprise.Strict)
            ),
            None,
        )
        what = spec.description or (
            ", ".join(f"`{k}`" for k in _flatten(nested)) if nested else "1..100 pods"
        )
        lines.append(f"| `{name}` | {what} |")
    lines += ["", "Refused, with the reason given:", "", "| key | why |", "|---|---|"]
    lines += [f"| `{k}` | {why} |" for k, why in enterprise.REFUSED_VALUES.items()]
    lines += [
        "",
        "### Identity",
        "",
        "`identity.group` is the tenant's own Google group; `identity.custom_roles` are created in "
        "the tenant's project (id `[a-zA-Z0-9_.]{3,64}`, title ≤ 100 bytes, description ≤ 300 "
        "bytes, 1 to 3,000 permissions, at most 300 roles: IAM quotas and the provider's "
        "validation); `identity.grants` give the group a role on `project`, `bucket`, `logs` or "
        "`dashboards`: one of its custom roles, or a predefined role allowed there "
        "(policy `iam-restrict-tenant-group-grants`):",
        "",
        "| target | predefined roles allowed |",
        "|---|---|",
    ]
    for target, roles in iam_guardrails.ALLOWED_PREDEFINED_ROLES.items():
        lines.append(f"| `{target}` | {', '.join(f'`{r}`' for r in roles)} |")
    lines += [
        "",
        f"Permissions refused in custom roles ({iam_guardrails.GUARDRAIL_SOURCE}):",
        "",
        "| permission | why |",
        "|---|---|",
    ]
    lines += [f"| `{p}` | {why} |" for p, why in iam_guardrails.REFUSED_PERMISSIONS]
    lines += [
        "",
        "Application roles (RBAC): with the `custom_roles` feature an enterprise tenant defines "
        "roles of its own beside owner, admin, member and readonly (`tenant_roles`, migration "
        "0007); the database refuses them for any other tier and never lets one hold "
        "`tenant:delete` or `tenant:billing:manage`.",
    ]
    lines += [
        "",
        "### Encryption and certificates",
        "",
        "`encryption` gives Cloud SQL (instances and replicas), Firestore and GKE "
        "application-layer secrets a Cloud KMS key each, in a key ring `<id>-cmek` of the "
        "tenant's project, rotated every 90 days and granted (Encrypter/Decrypter) only to that "
        "service's agent: Cloud SQL's and Firestore's from `projects.ServiceIdentity`, GKE's "
        "`container-engine-robot` once the container API is on (policy "
        "`kms-restrict-tenant-keys`). The bucket keeps its own key (`cmek`). Cloud SQL's "
        "`encryption_key_name` and Firestore's `cmek_config` force a new resource "
        "(terraform-provider-google), so both are chosen when the tenant is created: "
        "`tenancy validate --base` refuses changing them for an existing tenant; GKE's "
        "`database_encryption` changes in place.",
        "",
        "`tls.certificate_secret` names a Secret Manager secret of the tenant's project whose "
        "latest version is a JSON object with `tls.crt` and `tls.key` (PEM). The External "
        "Secrets Operator in the tenant's cluster copies it into the ingress's TLS Secret as the "
        "tenant's own workload identity (granted `secretAccessor` on that secret only), every "
        "hour; no ACME certificate is requested. Pulumi never reads the secret, so the key is in "
        "no state, output, log or plan.",
    ]
    return "\n".join(lines) + "\n"
