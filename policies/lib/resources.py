"""One view of a resource for resource and stack policies, and whose resource it is.

Ownership: in a tenant stack ``<env>.<id>`` every resource is that tenant's. In the platform
stack a resource is a free tenant's when it says so (the ``tenant`` label on GCP resources, the
``tenancy.io/tenant`` label on Kubernetes objects, the display name of an Identity Platform
tenant); everything else there is shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs

from domain.names import RESERVED_IDS
from domain.registry import TenantBase
from domain.stacks import StackSelectionError, parse_stack_name
from policies.lib import kinds
from policies.lib.facts import Facts, facts_for
from policies.lib.values import Undecided, get, keys

SHARED = "shared"


@dataclass(frozen=True)
class StackRef:
    name: str
    env: str
    tenant_id: str | None

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None


def stack_name_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::<type>::<name>`` → ``<stack>``."""
    head = urn.split("::", 1)[0]
    parts = head.split(":", 2)
    if len(parts) != 3 or parts[0] != "urn" or parts[1] != "pulumi":
        raise Undecided(f"{urn!r} is not a Pulumi URN")
    return parts[2]


def stack_of(urn: str) -> StackRef:
    name = stack_name_of(urn)
    try:
        env, tenant_id = parse_stack_name(name)
    except StackSelectionError as exc:
        raise Undecided(str(exc)) from None
    return StackRef(name, env, tenant_id)


@dataclass(frozen=True, eq=False)
class Subject:
    """A resource under evaluation: its type, inputs, options and graph edges."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool
    parent: str | None
    dependencies: tuple[str, ...]
    provider_props: Mapping[str, Any] | None = None

    @classmethod
    def from_args(cls, args: ResourceValidationArgs) -> Subject:
        return cls(
            args.resource_type,
            args.name,
            args.urn,
            args.props,
            bool(args.opts.protect),
            args.opts.parent,
            (),
            args.provider.props if args.provider is not None else None,
        )

    @classmethod
    def from_policy_resource(cls, resource: PolicyResource) -> Subject:
        parent = resource.parent.urn if resource.parent is not None else resource.opts.parent
        return cls(
            resource.resource_type,
            resource.name,
            resource.urn,
            resource.props,
            bool(resource.opts.protect),
            parent,
            tuple(d.urn for d in resource.dependencies),
            resource.provider.props if resource.provider is not None else None,
        )

    def get(self, path: str, default: Any = None) -> Any:
        return get(self.props, path, default)

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]

    @property
    def label(self) -> str:
        return f"{self.kind} '{self.name}'"

    @cached_property
    def stack(self) -> StackRef:
        return stack_of(self.urn)

    @property
    def facts(self) -> Facts:
        return facts_for(self.stack.env)

    def owner(self) -> str:
        """The tenant id this resource belongs to, or SHARED."""
        if self.stack.tenant_id is not None:
            return self.stack.tenant_id
        return declared_owner(self) or SHARED


def declared_owner(subject: Subject) -> str | None:
    """The tenant a platform-stack resource declares; None when it declares none, 'shared' or
    another reserved id (e.g. 'free-tier' for the free pool): no tenant can have those ids."""
    candidates: list[Any] = []
    try:
        if subject.type == kinds.IDP_TENANT:
            candidates.append(subject.get("displayName"))
        for path in label_paths(subject):
            labels = subject.get(path)
            candidates.append(get(labels, ["tenant"]) if isinstance(labels, Mapping) else None)
        if kinds.is_k8s(subject.type):
            labels = subject.get("metadata.labels")
            if isinstance(labels, Mapping):
                candidates.append(get(labels, [kinds.TENANT_LABEL]))
    except Undecided:
        return None  # an owner we cannot read is judged by the rules that need it
    for value in candidates:
        if isinstance(value, str) and value and value not in RESERVED_IDS:
            return value
    return None


def label_paths(subject: Subject) -> tuple[str, ...]:
    """Where this resource's GCP labels live (empty when the type takes none)."""
    if subject.type in kinds.LABEL_FIELDS:
        paths = kinds.LABEL_FIELDS[subject.type]
        if subject.type == kinds.CLUSTER and subject.get("nodeConfig") is not None:
            paths = (*paths, "nodeConfig.resourceLabels")
        return paths
    if subject.type.startswith("gcp:"):
        present = set(keys(subject.props))
        return tuple(p for p in kinds.GENERIC_LABEL_FIELDS if p in present)
    return ()


class StackView:
    """The resources of one stack, indexed, with the stack's identity and facts."""

    def __init__(self, subjects: list[Subject]):
        self.subjects = subjects
        self.by_urn = {s.urn: s for s in subjects}
        self.ref = subjects[0].stack
        self.facts = facts_for(self.ref.env)

    def of_type(self, *types: str) -> list[Subject]:
        wanted = set(types)
        return [s for s in self.subjects if s.type in wanted]

    @cached_property
    def tenant(self) -> TenantBase | None:
        """The registry entry of a tenant stack's tenant (None in the platform stack); Undecided
        when missing."""
        tenant_id = self.ref.tenant_id
        return None if tenant_id is None else self.facts.require_tenant(tenant_id)

    def dependencies_of(self, subject: Subject, type_token: str) -> list[Subject]:
        found = [self.by_urn[u] for u in subject.dependencies if u in self.by_urn]
        return [s for s in found if s.type == type_token]
