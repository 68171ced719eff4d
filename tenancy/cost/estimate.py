"""The estimate: every resource of a plan priced, then allocated to tenants.

Allocation:
- a tenant stack's resources are that tenant's, dedicated;
- in the platform stack, what carries a free tenant's id is that tenant's, dedicated; the free
  pool (components named `free-tier...` or labelled tier=free) is divided equally among the free
  tenants, each line a share;
- a shared cluster's node pools are apportioned to the namespaces on it by their ResourceQuota
  (half by requested CPU, half by requested memory); the `free-tier` namespace's part is divided
  among the free tenants;
- the rest of the platform stack (network, ingress, DNS zone, cluster fees) is the platform's own,
  tenant null.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from domain.names import FREE_TIER_NAMESPACE
from domain.plan_model import (
    RESOURCE_KEYS,
    Plan,
    PlanFormatError,
    PlanOptions,
    PlanResource,
    PlanStack,
)
from domain.tiers import Tier
from tenancy.cost.catalogue import Catalogue, Price
from tenancy.cost.rules import RULES, Priced, Unpriced, cpu, gib, money, node_count, region_of

DEDICATED, SHARE, PLATFORM = "dedicated", "share", "platform"
TIERS = tuple(tier.value for tier in Tier)  # the order of the tier table
CONTEXT = re.compile(r"^current-context:\s*(\S+)\s*$", re.M)
NODE_POOL = "gcp:container/nodePool:NodePool"
CLUSTER = "gcp:container/cluster:Cluster"


@dataclass
class Line:
    urn: str
    type: str
    stack: str
    tenant: str | None
    monthly_usd: float
    basis: str  # starts with "dedicated", "share" or "platform"

    @property
    def kind(self) -> str:
        return self.basis.split(":", 1)[0]


@dataclass
class UnpricedResource:
    urn: str
    type: str
    stack: str
    tenant: str | None
    reason: str


def _labels(inputs: dict) -> dict:
    for holder in (inputs, inputs.get("settings") or {}):
        for key in ("labels", "resourceLabels", "userLabels"):
            if isinstance(holder.get(key), dict):
                return holder[key]
    metadata = inputs.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("labels"), dict):
        labels = metadata["labels"]
        return {
            "tenant": labels.get("tenancy.io/tenant"),
            "tier": labels.get("tenancy.io/tier"),
            "limits": labels.get("tenancy.io/limits"),
        }
    return {}


class StackIndex:
    """What the rules look up inside one stack."""

    def __init__(self, stack: PlanStack):
        self.stack = stack
        self.by_urn = {r.urn: r for r in stack.resources}
        self.clusters: dict[str, PlanResource] = {}
        self.firestore: dict[str, PlanResource] = {}
        self.quotas_by_bucket: dict[str, str] = {}
        self.node_pools: list[PlanResource] = []
        self.gcp_region: str | None = None
        self._top: dict[str, str] = {}
        for r in stack.resources:
            inputs = r.inputs
            if r.type == CLUSTER:
                self.clusters[str(inputs.get("name"))] = r
            elif r.type == NODE_POOL:
                self.node_pools.append(r)
            elif r.type == "gcp:firestore/database:Database":
                self.firestore[str(inputs.get("name"))] = r
            elif r.type == "kubernetes:core/v1:ConfigMap":
                data = inputs.get("data") or {}
                if isinstance(data, dict) and data.get("BUCKET") and data.get("STORAGE_QUOTA_GB"):
                    self.quotas_by_bucket[str(data["BUCKET"])] = str(data["STORAGE_QUOTA_GB"])
            elif r.type == "pulumi:providers:gcp" and self.gcp_region is None:
                self.gcp_region = region_of(inputs.get("region"))

    def top_component(self, r: PlanResource) -> str:
        """The name of the resource's ancestor just below the tier component (or its own)."""
        if r.urn in self._top:
            return self._top[r.urn]
        chain = []
        current: PlanResource | None = r
        name = r.name
        while current is not None:
            if current.urn in self._top:
                name = self._top[current.urn]
                break
            chain.append(current.urn)
            parent = self.by_urn.get(current.parent) if current.parent else None
            if parent is None or parent.type.startswith(("tenancy:tiers:", "pulumi:pulumi:Stack")):
                name = current.name
                break
            current = parent
        for urn in chain:
            self._top[urn] = name
        return name

    def kube_cluster(self, r: PlanResource) -> str | None:
        provider = self.by_urn.get(r.provider) if r.provider else None
        config = provider.inputs.get("kubeconfig") if provider else None
        match = CONTEXT.search(config) if isinstance(config, str) else None
        return match.group(1) if match else None


@dataclass
class StackFacts:
    """What one stack contributes to the facts every stack's pricing may read (the only places
    an estimate reads across stacks): node pools by cluster, namespace quotas by cluster, storage
    classes, the free tenants' storage quotas. Kept with a stack's cached costs
    (``tenancy.cost.incremental``), so the facts of unchanged stacks need no plan."""

    name: str
    tenant: str | None
    tier: str | None
    node_pools: list[PlanResource] = field(default_factory=list)
    # (cluster, owner, requested CPU, requested memory GiB); owner a tenant id,
    # FREE_TIER_NAMESPACE for the free tier's namespace, or None.
    quotas: list[tuple[str, str | None, float, float]] = field(default_factory=list)
    storage_classes: list[tuple[str, str]] = field(default_factory=list)
    free_tenants: list[tuple[str, float]] = field(default_factory=list)  # (id, storage GiB)

    @classmethod
    def of(cls, index: StackIndex) -> StackFacts:
        stack = index.stack
        facts = cls(stack.name, stack.tenant, stack.tier, list(index.node_pools))
        for r in stack.resources:
            if r.type == "kubernetes:core/v1:ResourceQuota":
                cluster_name = index.kube_cluster(r)
                if cluster_name is None:
                    continue
                namespace = (r.inputs.get("metadata") or {}).get("namespace")
                owner = stack.tenant or (
                    FREE_TIER_NAMESPACE if namespace == FREE_TIER_NAMESPACE else None
                )
                facts.quotas.append((cluster_name, owner, *_quota(r)))
            elif r.type == "kubernetes:storage.k8s.io/v1:StorageClass":
                name = (r.inputs.get("metadata") or {}).get("name")
                kind = (r.inputs.get("parameters") or {}).get("type")
                if name and kind:
                    facts.storage_classes.append((str(name), str(kind)))
            elif stack.tenant is None and r.type == "kubernetes:core/v1:ConfigMap":
                labels = _labels(r.inputs)
                if labels.get("limits") == "free" and labels.get("tenant"):
                    data = r.inputs.get("data") or {}
                    try:
                        quota = float(data.get("storage_quota_gb") or 0)
                    except (TypeError, ValueError):
                        quota = 0.0
                    facts.free_tenants.append((str(labels["tenant"]), quota))
        return facts

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tenant": self.tenant,
            "tier": self.tier,
            "node_pools": [pool.to_dict() for pool in self.node_pools],
            "quotas": [list(q) for q in self.quotas],
            "storage_classes": [list(c) for c in self.storage_classes],
            "free_tenants": [list(t) for t in self.free_tenants],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StackFacts:
        return cls(
            data["name"],
            data["tenant"],
            data["tier"],
            [PlanResource.from_dict(pool) for pool in data["node_pools"]],
            [(str(c), o, float(cpu_), float(mem)) for c, o, cpu_, mem in data["quotas"]],
            [(str(n), str(k)) for n, k in data["storage_classes"]],
            [(str(t), float(q)) for t, q in data["free_tenants"]],
        )


class Context:
    """What a rule may ask: prices, assumptions, and facts from the plan.

    The facts that come from other stacks are read through ``answer`` only; while ``reads`` is a
    dict, every such answer is recorded in it (by ``fingerprint``), so a stack's cached costs
    can be proven to rest on the same answers (``tenancy.cost.incremental``)."""

    _index: StackIndex | None

    @property
    def index(self) -> StackIndex:
        """The stack being priced (set per stack by ``estimate``)."""
        if self._index is None:
            raise ValueError("the plan has no stack to price")
        return self._index

    @index.setter
    def index(self, value: StackIndex) -> None:
        self._index = value

    def __init__(
        self, catalogue: Catalogue, assumptions: dict[str, float], facts: list[StackFacts]
    ) -> None:
        self.catalogue = catalogue
        self.assumptions = assumptions
        self._index = None
        self.reads: dict[str, str] | None = None
        self._fingerprints: dict[str, str] = {}
        self.free_tenants: dict[str, float] = {}  # free tenant id -> storage quota GiB
        self.pools_by_cluster: dict[str, PlanResource] = {}
        # Namespace quotas per cluster: (owner, cpu, memory GiB), see StackFacts.quotas.
        self.quotas: dict[str, list[tuple[str | None, float, float]]] = defaultdict(list)
        self.storage_classes: dict[str, str] = {}
        pools_per_cluster: dict[str, int] = defaultdict(int)
        for stack in facts:
            for pool in stack.node_pools:
                self.pools_by_cluster.setdefault(str(pool.inputs.get("cluster")), pool)
                pools_per_cluster[str(pool.inputs.get("cluster"))] += 1
            for cluster_name, owner, q_cpu, q_mem in stack.quotas:
                self.quotas[cluster_name].append((owner, q_cpu, q_mem))
            self.storage_classes.update(stack.storage_classes)
            self.free_tenants.update(stack.free_tenants)
        # Quota-based sizing only where one node pool serves the cluster's namespaces.
        self.single_pool = {name for name, count in pools_per_cluster.items() if count == 1}

    # -- facts from other stacks: every cross-stack answer goes through here
    def answer(self, kind: str, arg: str) -> Any:
        """The answer to one cross-stack question, recorded while ``reads`` is set."""
        if self.reads is not None:
            read = f"{kind}:{arg}"
            self.reads[read] = self.fingerprint_of(read)
        return self._value(kind, arg)

    def fingerprint_of(self, read: str) -> str:
        """The ``fingerprint`` of the answer to ``read`` ("kind:arg"), made once: the facts are
        fixed when the context is built, and many stacks ask the same question."""
        found = self._fingerprints.get(read)
        if found is None:
            kind, _, arg = read.partition(":")
            found = self._fingerprints[read] = fingerprint(self._value(kind, arg))
        return found

    def _value(self, kind: str, arg: str) -> Any:
        if kind == "demand":
            return self._demand(arg)
        if kind == "pool":
            return self.pools_by_cluster.get(arg)
        if kind == "class":
            return self.storage_classes.get(arg)
        if kind == "quotas":
            return self.quotas.get(arg) or []
        if kind == "free":
            return sorted(self.free_tenants.items())
        raise ValueError(f"unknown fact {kind!r}")

    def _demand(self, cluster: str) -> tuple[float, float] | None:
        entries = self.quotas.get(cluster)
        if not entries or cluster not in self.single_pool:
            return None
        return sum(e[1] for e in entries), sum(e[2] for e in entries)

    # -- prices and assumptions
    def price(self, key: str, region: str | None = None) -> float | None:
        found = self.catalogue.price(key, region)
        return found.usd if found else None

    def need(self, key: str, region: str | None = None) -> float:
        found = self.catalogue.price(key, region)
        if found is None:
            raise Unpriced(f"no price {key!r}" + (f" for {region}" if region else ""))
        return found.usd

    def catalogue_price(self, key: str) -> Price:
        found = self.catalogue.price(key)
        if found is None:
            raise Unpriced(f"no price {key!r}")
        return found

    def assume(self, key: str) -> float:
        return self.assumptions[key]

    # -- facts from the plan
    def region(self, r: PlanResource, hint: Any) -> str:
        region = region_of(hint) or self.index.gcp_region
        if region is None:
            raise Unpriced("its region is not in the plan")
        return region

    def cluster(self, name: str, r: PlanResource) -> dict:
        found = self.index.clusters.get(name)
        return found.inputs if found else {}

    def is_free_pool(self, r: PlanResource) -> bool:
        if self.index.stack.tenant is not None:
            return False
        labels = _labels(r.inputs)
        return (labels.get("tier") == "free" and labels.get("tenant") in (None, "shared")) or (
            self.index.top_component(r).startswith(FREE_TIER_NAMESPACE)
        )

    def tenants_served(self, r: PlanResource) -> float:
        return float(max(1, len(self.free_tenants))) if self.is_free_pool(r) else 1.0

    def usage(self, key: str, r: PlanResource) -> float:
        tier = self.index.stack.tier or ("free" if self.is_free_pool(r) else None)
        if tier is None:
            raise Unpriced(f"no tenant tier to size {key}")
        return self.assume(f"{key}.{tier}") * self.tenants_served(r)

    def storage_quota(self, r: PlanResource) -> tuple[float, str]:
        name = str(r.inputs.get("name") or "")
        raw = self.index.quotas_by_bucket.get(name)
        if raw is not None:
            if raw == "unlimited":
                quota = self.assume("unlimited_storage_quota_gb")
                return quota, f"quota unlimited, assumed {quota:g} GiB"
            try:
                return float(raw), f"quota {float(raw):g} GiB"
            except ValueError:
                raise Unpriced(f"cannot read the storage quota {raw!r}") from None
        if self.is_free_pool(r) and self.free_tenants:
            quota = sum(self.free_tenants.values())
            return quota, f"{len(self.free_tenants)} free tenants' quotas {quota:g} GiB"
        raise Unpriced("no storage quota for this bucket in the plan")

    def firestore_for(self, name: str, r: PlanResource) -> PlanResource | None:
        return self.index.firestore.get(name)

    def nodes_in_stack(self, r: PlanResource) -> float:
        total = 0.0
        for pool in self.index.node_pools:
            cluster = self.cluster(str(pool.inputs.get("cluster") or ""), pool)
            total += node_count(pool.inputs, cluster, self)[0]
        return total

    def quota_demand(self, cluster: str) -> tuple[float, float] | None:
        """Total requested CPU and memory (GiB) quota of the namespaces on a one-pool cluster."""
        found: tuple[float, float] | None = self.answer("demand", cluster)
        return found

    def node_pool_of(self, r: PlanResource) -> PlanResource | None:
        """The (first) node pool of the cluster a Kubernetes resource is deployed to."""
        cluster = self.index.kube_cluster(r)
        found: PlanResource | None = self.answer("pool", cluster) if cluster else None
        return found

    def disk_type_of_class(self, name: str | None) -> str | None:
        found: str | None = self.answer("class", name or "")
        return found


@dataclass
class Estimate:
    catalogue_date: str
    assumptions: dict[str, float]
    tenants: dict[str, str]  # id -> tier
    lines: list[Line] = field(default_factory=list)
    unpriced: list[UnpricedResource] = field(default_factory=list)
    stacks: list[PlanStack] = field(default_factory=list)
    selected: set[str] | None = None

    # -- totals
    def tenant_totals(self) -> dict[str, dict[str, float]]:
        totals = {t: {DEDICATED: 0.0, SHARE: 0.0} for t in self.tenants}
        for line in self.lines:
            if line.tenant is not None:
                totals[line.tenant][DEDICATED if line.kind == DEDICATED else SHARE] += (
                    line.monthly_usd
                )
        return totals

    @property
    def total(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    @property
    def platform_total(self) -> float:
        return sum(line.monthly_usd for line in self.lines if line.tenant is None)

    def only(self, tenant_ids: list[str]) -> Estimate:
        """The same estimate, reported for these tenants only (shares stay as computed)."""
        wanted = set(tenant_ids)
        return Estimate(
            self.catalogue_date,
            self.assumptions,
            {t: tier for t, tier in self.tenants.items() if t in wanted},
            [line for line in self.lines if line.tenant in wanted],
            [u for u in self.unpriced if u.tenant in wanted],
            self.stacks,
            wanted,
        )

    def to_json(self) -> dict[str, Any]:
        totals = self.tenant_totals()
        tenants = [
            {
                "tenant": t,
                "tier": tier,
                "monthly_usd": _r(totals[t][DEDICATED] + totals[t][SHARE]),
                "dedicated_usd": _r(totals[t][DEDICATED]),
                "shared_usd": _r(totals[t][SHARE]),
            }
            for t, tier in sorted(self.tenants.items())
        ]
        tiers = []
        for tier in TIERS:
            members = [t for t, tt in self.tenants.items() if tt == tier]
            dedicated = sum(totals[t][DEDICATED] for t in members)
            shared = sum(totals[t][SHARE] for t in members)
            tiers.append(
                {
                    "tier": tier,
                    "tenants": len(members),
                    "monthly_usd": _r(dedicated + shared),
                    "dedicated_usd": _r(dedicated),
                    "shared_usd": _r(shared),
                    "average_per_tenant_usd": _r((dedicated + shared) / len(members))
                    if members
                    else 0.0,
                }
            )
        by_stack: dict[str, list[Line]] = defaultdict(list)
        for line in self.lines:
            by_stack[line.stack].append(line)
        stacks = [
            {
                "stack": s.name,
                "tenant": s.tenant,
                "tier": s.tier,
                "monthly_usd": _r(sum(line.monthly_usd for line in by_stack[s.name])),
                "platform_usd": _r(
                    sum(line.monthly_usd for line in by_stack[s.name] if line.tenant is None)
                ),
            }
            for s in self.stacks
            if by_stack.get(s.name)
        ]
        return {
            "currency": "USD",
            "catalogue_date": self.catalogue_date,
            "assumptions": dict(sorted(self.assumptions.items())),
            "tenants": tenants,
            "tiers": tiers,
            "stacks": stacks,
            "resources": [
                {
                    "urn": line.urn,
                    "type": line.type,
                    "tenant": line.tenant,
                    "monthly_usd": _r(line.monthly_usd),
                    "basis": line.basis,
                }
                for line in self.lines
            ],
            "unpriced": [{"urn": u.urn, "type": u.type} for u in self.unpriced],
        }


def dumps(data: dict[str, Any]) -> str:
    """The estimate JSON, one list item per line. Built from the C encoder's compact output:
    `indent` would switch json to its pure-Python encoder, seconds slower at 1,000 tenants."""
    import json

    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            items = ",\n  ".join(json.dumps(item) for item in value)
            parts.append(f"{json.dumps(key)}: [" + (f"\n  {items}\n ]" if value else "]"))
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


def read_plan(path) -> Plan:
    """A plan file read for pricing: the same checks as `Plan.read`, without copying every
    resource's inputs and options (the estimate only reads them), so 1,000 tenants load fast."""
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise PlanFormatError(f"{path}: cannot read plan JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("stacks"), list):
        raise PlanFormatError('a plan is a JSON object {"stacks": [...]}')
    keys = set(RESOURCE_KEYS)
    options = PlanOptions()
    stacks = []
    for raw in data["stacks"]:
        if not isinstance(raw, dict) or not {"name", "tenant", "tier", "resources"} <= raw.keys():
            raise PlanFormatError(f"stack {raw.get('name', '?')} lacks a key")
        resources = []
        for r in raw["resources"]:
            if not isinstance(r, dict) or not keys <= r.keys():
                raise PlanFormatError(f"resource {r.get('urn', '?')} lacks keys")
            resources.append(
                PlanResource(
                    r["urn"],
                    r["type"],
                    r["name"],
                    bool(r["custom"]),
                    r["parent"],
                    r["dependencies"],
                    r["provider"],
                    r["inputs"] if isinstance(r["inputs"], dict) else {},
                    options,
                )
            )
        stacks.append(PlanStack(raw["name"], raw["tenant"], raw["tier"], resources))
    return Plan(stacks)


def _r(value: float) -> float:
    return round(value, 4)


def _quota(r: PlanResource) -> tuple[float, float]:
    hard = ((r.inputs.get("spec") or {}).get("hard")) or {}
    try:
        return cpu(hard.get("requests.cpu", 0)), gib(hard.get("requests.memory", 0))
    except (Unpriced, ValueError):
        return 0.0, 0.0


def estimate(plan: Plan, catalogue: Catalogue, assumptions: dict[str, float]) -> Estimate:
    indexes = [StackIndex(s) for s in plan.stacks]
    facts = [StackFacts.of(index) for index in indexes]
    ctx = Context(catalogue, assumptions, facts)
    result = Estimate(
        catalogue.date, dict(assumptions), tenants_of(ctx, facts), stacks=list(plan.stacks)
    )
    for index in indexes:
        price_stack(index, ctx, result.lines, result.unpriced)
    return result


def tenants_of(ctx: Context, facts: list[StackFacts]) -> dict[str, str]:
    """Every tenant the estimate reports, with its tier: the free ones, then each stack's."""
    tenants: dict[str, str] = {t: "free" for t in sorted(ctx.free_tenants)}
    for stack in facts:
        if stack.tenant:
            tenants[stack.tenant] = stack.tier or "standard"
    return tenants


def price_stack(
    index: StackIndex, ctx: Context, lines: list[Line], unpriced: list[UnpricedResource]
) -> None:
    """Price one stack's resources into ``lines`` (and what cannot be priced into ``unpriced``),
    allocated to tenants as the module says."""
    ctx.index = index
    stack = index.stack
    # The platform stack's allocation reads the free tenants (tenant stacks never do).
    free_ids: list[str] = [t for t, _ in ctx.answer("free", "")] if stack.tenant is None else []

    def split_free(r: PlanResource, stack: str, cost: float, basis: str, what: str) -> None:
        if not free_ids:
            lines.append(
                Line(
                    r.urn,
                    r.type,
                    stack,
                    None,
                    cost,
                    f"{PLATFORM}: {basis} (no free tenant to share it)",
                )
            )
            return
        each = cost / len(free_ids)
        for t in free_ids:
            lines.append(
                Line(
                    r.urn,
                    r.type,
                    stack,
                    t,
                    each,
                    f"{SHARE}: 1/{len(free_ids)} of {what} {money(cost)}; {basis}",
                )
            )

    for r in stack.resources:
        if not r.custom:
            continue
        owner = _owner(r, stack, ctx, free_ids)
        tenant = owner if owner != FREE_TIER_NAMESPACE else None
        rule = RULES.get(r.type)
        priced: Priced | None = None
        if rule is not None:
            try:
                priced = rule(r, ctx)
            except Unpriced as exc:
                unpriced.append(UnpricedResource(r.urn, r.type, stack.name, tenant, str(exc)))
                continue
        if priced is None:
            if ctx.catalogue.free_reason(r.type) is None:
                reason = "no price in the catalogue and not in the free list"
                unpriced.append(UnpricedResource(r.urn, r.type, stack.name, tenant, reason))
            continue
        cost, basis = priced.monthly_usd, priced.basis
        if stack.tenant is not None:
            lines.append(
                Line(r.urn, r.type, stack.name, stack.tenant, cost, f"{DEDICATED}: {basis}")
            )
        elif r.type == NODE_POOL and (
            entries := ctx.answer("quotas", str(r.inputs.get("cluster")))
        ):
            _apportion(r, stack.name, cost, basis, entries, lines, split_free)
        elif owner == FREE_TIER_NAMESPACE:
            split_free(r, stack.name, cost, basis, "the free pool's")
        elif owner is not None:
            lines.append(Line(r.urn, r.type, stack.name, owner, cost, f"{DEDICATED}: {basis}"))
        else:
            lines.append(Line(r.urn, r.type, stack.name, None, cost, f"{PLATFORM}: {basis}"))


def fingerprint(value: Any) -> str:
    """A short, stable digest of a cross-stack answer (see Context.answer)."""
    import hashlib
    import json

    def plain(v: Any) -> Any:
        if isinstance(v, PlanResource):
            return v.to_dict()
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _owner(r: PlanResource, stack: PlanStack, ctx: Context, free_ids: list[str]) -> str | None:
    """A tenant id, FREE_TIER_NAMESPACE for the free pool, or None for the platform's own."""
    if stack.tenant is not None:
        return stack.tenant
    labels = _labels(r.inputs)
    if labels.get("tenant") in ctx.free_tenants:
        return str(labels["tenant"])
    top = ctx.index.top_component(r)
    parts = top.split("-")
    for i in range(1, len(parts)):
        if "-".join(parts[:i]) in ctx.free_tenants:
            return "-".join(parts[:i])
    if ctx.is_free_pool(r):
        return FREE_TIER_NAMESPACE
    return None


def _apportion(r, stack, cost, basis, entries, lines, split_free) -> None:
    total_cpu = sum(e[1] for e in entries)
    total_mem = sum(e[2] for e in entries)
    cluster = r.inputs.get("cluster")
    for owner, q_cpu, q_mem in entries:
        parts = [q_cpu / total_cpu if total_cpu else None, q_mem / total_mem if total_mem else None]
        known = [p for p in parts if p is not None]
        share = sum(known) / len(known) if known else 1 / len(entries)
        part = cost * share
        why = (
            f"{share:.2%} of {cluster}'s nodes by namespace quota (CPU {q_cpu:g} of {total_cpu:g},"
            f" memory {q_mem:g} of {total_mem:g} GiB; half each)"
        )
        if owner == FREE_TIER_NAMESPACE:
            split_free(
                r,
                stack,
                part,
                f"{why}; pool {basis}",
                f"the free-tier namespace's {why.split(' of ')[0]}",
            )
        elif owner is None:
            lines.append(Line(r.urn, r.type, stack, None, part, f"{PLATFORM}: {why}; pool {basis}"))
        else:
            lines.append(Line(r.urn, r.type, stack, owner, part, f"{SHARE}: {why}; pool {basis}"))
