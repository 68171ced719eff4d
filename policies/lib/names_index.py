"""Which tenant a physical name belongs to, and which tenants a string mentions.

Every per-tenant name comes from ``domain.names.tenant_names``; the index adds the stack name
``<env>.<id>`` and the ``<id>-uploads`` bucket prefix. Matching is token-aware and prefers the
longest name, so tenant ``acme`` is not found inside ``acme-corp-workload`` or ``tenant-acmes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain import PULUMI_PROJECT, names
from domain.stacks import tenant_stack_name
from domain.tiers import Status, Tier

# Whole strings that are platform vocabulary, never a reference to a tenant of the same name.
VOCABULARY = frozenset(
    {
        *(t.value for t in Tier),
        *(s.value for s in Status),
        "shared",
        PULUMI_PROJECT,
        "restricted",
        "baseline",
        "privileged",
        "latest",
    }
)


@dataclass(frozen=True)
class Mention:
    tenant: str
    name: str
    start: int


class TenantNameIndex:
    def __init__(self, env: str, project: str, tenant_ids: tuple[str, ...]):
        self.env = env
        self.tenant_ids = tuple(sorted(tenant_ids, key=len, reverse=True))
        owners: dict[str, set[str]] = {}
        for tenant_id in tenant_ids:
            physical = {value for _, value in names.tenant_names(env, project, tenant_id).values()}
            physical |= {tenant_stack_name(env, tenant_id), f"{tenant_id}-uploads", tenant_id}
            for value in physical:
                owners.setdefault(value, set()).add(tenant_id)
        # A name two tenants would share identifies neither.
        self._owner = {value: next(iter(ids)) for value, ids in owners.items() if len(ids) == 1}
        alternatives = "|".join(re.escape(v) for v in sorted(self._owner, key=len, reverse=True))
        self._pattern = (
            re.compile(rf"(?<![a-z0-9-])(?:{alternatives})(?![a-z0-9])") if alternatives else None
        )

    def mentions(self, text: str) -> list[Mention]:
        if self._pattern is None or text in VOCABULARY:
            return []
        return [
            Mention(self._owner[m.group(0)], m.group(0), m.start())
            for m in self._pattern.finditer(text)
        ]

    def tenants_in(self, text: str) -> set[str]:
        return {m.tenant for m in self.mentions(text)}

    def owner_of_name(self, value: str) -> str | None:
        """The tenant whose physical name ``value`` is exactly (None if no tenant's)."""
        return self._owner.get(value)

    def owner_by_prefix(self, value: str) -> str | None:
        """The tenant whose id prefixes ``value`` as ``<id>-...`` (longest id wins)."""
        for tenant_id in self.tenant_ids:
            if value == tenant_id or value.startswith(tenant_id + "-"):
                return tenant_id
        return None
