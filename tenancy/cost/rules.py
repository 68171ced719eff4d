"""How each billable resource type is priced from its planned inputs.

A rule gets the resource and a `Context` and returns the monthly USD and a basis (the arithmetic
in words), or raises `Unpriced` with the reason. A rule may return None for a resource that costs
nothing itself (a Helm release without a load balancer or volumes): the free list says why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.plan_model import PlanResource
from domain.registry.options import FIRESTORE_MULTI_REGIONS

if TYPE_CHECKING:
    from tenancy.cost.estimate import Context


class Unpriced(Exception):
    """The catalogue cannot price this resource; the message says what is missing."""


@dataclass(frozen=True)
class Priced:
    monthly_usd: float
    basis: str


Rule = Callable[[PlanResource, "Context"], Priced | None]

REGION = re.compile(r"^([a-z]+-[a-z]+\d+)(-[a-z])?$")
QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
BINARY = {"Ki": 2**-20, "Mi": 2**-10, "Gi": 1.0, "Ti": 2**10, "": 2**-30}
DECIMAL = {"k": 1e3 / 2**30, "M": 1e6 / 2**30, "G": 1e9 / 2**30, "T": 1e12 / 2**30}
MEMORY_PER_VCPU = {"standard": 4, "highmem": 8, "highcpu": 1}


def money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def rate(value: float) -> str:
    """A unit price, with all its digits."""
    return f"${value:.8g}"


def number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.3g}"


def gib(quantity: Any) -> float:
    """A Kubernetes memory/storage quantity in GiB ("16Gi", "500M")."""
    match = QUANTITY.fullmatch(str(quantity).strip())
    if not match:
        raise Unpriced(f"cannot read the quantity {quantity!r}")
    value, unit = float(match.group(1)), match.group(2)
    if unit in BINARY:
        return value * BINARY[unit]
    if unit in DECIMAL:
        return value * DECIMAL[unit]
    raise Unpriced(f"cannot read the quantity {quantity!r}")


def cpu(quantity: Any) -> float:
    text = str(quantity).strip()
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def region_of(location: Any) -> str | None:
    if not isinstance(location, str):
        return None
    match = REGION.fullmatch(location.lower())
    return match.group(1) if match else None


def seconds(text: Any) -> float | None:
    if isinstance(text, str) and text.endswith("s"):
        try:
            return float(text[:-1])
        except ValueError:
            return None
    return None


# --- Compute: GKE clusters and node pools ------------------------------------------------------


def machine_hourly(machine: str, region: str, ctx: Context) -> tuple[float, str]:
    listed = ctx.price(f"compute.machine.{machine}", region)
    if listed is not None:
        return listed, f"{machine} {rate(listed)}/h"
    family, _, rest = machine.partition("-")
    shape, _, size = rest.rpartition("-")
    if family in ("n2", "e2") and shape in MEMORY_PER_VCPU and size.isdigit():
        vcpus = int(size)
        memory = vcpus * MEMORY_PER_VCPU[shape]
        per_vcpu = ctx.price(f"compute.{family}.vcpu", region)
        per_gb = ctx.price(f"compute.{family}.memory_gb", region)
        if per_vcpu is not None and per_gb is not None:
            hourly = vcpus * per_vcpu + memory * per_gb
            return hourly, (
                f"{machine} = {vcpus} vCPU x {rate(per_vcpu)} + {memory} GB x {rate(per_gb)}"
                f" = {rate(hourly)}/h"
            )
    raise Unpriced(f"no price for machine type {machine} in {region}")


def node_disk_monthly(node_config: dict, region: str, ctx: Context) -> tuple[float, str]:
    size = float(node_config.get("diskSizeGb") or 100)
    kind = str(node_config.get("diskType") or "pd-balanced")
    per_gb = ctx.need(f"disk.{kind}", region)
    return size * per_gb, f"{number(size)} GB {kind} boot disk x {rate(per_gb)}"


def zones_of(location: str | None, node_locations: Any) -> int:
    if isinstance(node_locations, list) and node_locations:
        return len(node_locations)
    # A regional cluster spreads a per-zone count over the region's three default zones.
    region = REGION.fullmatch(location) if location else None
    return 3 if region is not None and not region.group(2) else 1


def machine_shape(machine: str) -> tuple[int, int] | None:
    """(vCPUs, GB) of a predefined standard/highmem/highcpu machine type."""
    _, _, rest = machine.partition("-")
    shape, _, size = rest.rpartition("-")
    if shape in MEMORY_PER_VCPU and size.isdigit():
        return int(size), int(size) * MEMORY_PER_VCPU[shape]
    return None


def node_count(inputs: dict, cluster: dict, ctx: Context) -> tuple[float, str]:
    location = inputs.get("location") or cluster.get("location")
    zones = zones_of(location, inputs.get("nodeLocations") or cluster.get("nodeLocations"))
    scaling = inputs.get("autoscaling") or {}
    fill = ctx.assume("node_pool_fill")
    if "totalMinNodeCount" in scaling or "totalMaxNodeCount" in scaling:
        low = float(scaling.get("totalMinNodeCount") or 0)
        high = float(scaling.get("totalMaxNodeCount") or low)
        scope = "in total"
    elif "minNodeCount" in scaling or "maxNodeCount" in scaling:
        low = float(scaling.get("minNodeCount") or 0) * zones
        high = float(scaling.get("maxNodeCount") or 0) * zones
        scope = f"over {zones} zone(s)"
    else:
        fixed = inputs.get("nodeCount") or inputs.get("initialNodeCount") or 1
        nodes = float(fixed) * zones
        return nodes, f"{number(nodes)} node(s) ({fixed} per zone x {zones} zone(s))"
    demand = ctx.quota_demand(str(inputs.get("cluster") or ""))
    machine = str((inputs.get("nodeConfig") or {}).get("machineType") or "")
    shape = machine_shape(machine)
    if demand is not None and shape is not None:
        # Sized to the namespaces' quotas on the cluster: what their pods would request.
        share = ctx.assume("quota_requested_share")
        want_cpu, want_mem = demand[0] * share, demand[1] * share
        wanted = max(math.ceil(want_cpu / shape[0]), math.ceil(want_mem / shape[1]))
        nodes = float(min(max(wanted, low), high))
        return nodes, (
            f"{number(nodes)} node(s): {share:g} of the namespaces' quota ({number(demand[0])}"
            f" CPU, {number(demand[1])} GiB) on {machine} ({shape[0]} vCPU, {shape[1]} GB) ="
            f" {wanted}, within autoscaling {number(low)}-{number(high)} {scope}"
        )
    nodes = low + fill * (high - low)
    return (
        nodes,
        f"{number(nodes)} node(s) (autoscaling {number(low)}-{number(high)} {scope},"
        f" fill {fill:g})",
    )


def node_pool(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    cluster = ctx.cluster(str(inputs.get("cluster") or ""), r)
    region = ctx.region(r, inputs.get("location") or cluster.get("location"))
    config = inputs.get("nodeConfig") or {}
    machine = str(config.get("machineType") or "e2-medium")
    hourly, machine_basis = machine_hourly(machine, region, ctx)
    disk, disk_basis = node_disk_monthly(config, region, ctx)
    nodes, nodes_basis = node_count(inputs, cluster, ctx)
    hours = ctx.assume("hours_per_month")
    per_node = hourly * hours + disk
    total = nodes * per_node
    return Priced(
        total,
        f"{nodes_basis} x ({machine_basis} x {number(hours)} h + {disk_basis}) = {money(total)}",
    )


def cluster(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    region = ctx.region(r, inputs.get("location"))
    hours = ctx.assume("hours_per_month")
    fee = ctx.need("gke.cluster_management", region) * hours
    basis = f"management fee {rate(fee / hours)}/h x {number(hours)} h = {money(fee)}"
    total = fee
    if inputs.get("removeDefaultNodePool") is not True and inputs.get("nodeConfig"):
        config = inputs.get("nodeConfig") or {}
        zones = zones_of(inputs.get("location"), inputs.get("nodeLocations"))
        nodes = float(inputs.get("initialNodeCount") or 1) * zones
        hourly, machine_basis = machine_hourly(
            str(config.get("machineType") or "e2-medium"), region, ctx
        )
        disk, disk_basis = node_disk_monthly(config, region, ctx)
        pool = nodes * (hourly * hours + disk)
        total += pool
        basis += (
            f"; default pool {number(nodes)} node(s) x ({machine_basis} + {disk_basis})"
            f" = {money(pool)}"
        )
    else:
        basis += " (default node pool removed)"
    return Priced(total, basis)


# --- Cloud SQL ---------------------------------------------------------------------------------


def sql_instance(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    settings = inputs.get("settings") or {}
    region = ctx.region(r, inputs.get("region"))
    edition = settings.get("edition") or "ENTERPRISE"
    if edition != "ENTERPRISE":
        raise Unpriced(f"Cloud SQL edition {edition} is not in the catalogue")
    kind = "regional" if settings.get("availabilityType") == "REGIONAL" else "zonal"
    hours = ctx.assume("hours_per_month")
    tier = str(settings.get("tier") or "")
    parts = []
    match = re.fullmatch(r"db-custom-(\d+)-(\d+)", tier)
    if match:
        vcpus, memory = int(match.group(1)), int(match.group(2)) / 1024
        per_vcpu = ctx.need(f"sql.{kind}.vcpu", region)
        per_gib = ctx.need(f"sql.{kind}.memory_gib", region)
        compute = (vcpus * per_vcpu + memory * per_gib) * hours
        parts.append(
            (
                compute,
                f"{tier} {kind}: ({vcpus} vCPU x {rate(per_vcpu)} + {number(memory)} GiB x "
                f"{rate(per_gib)}) x {number(hours)} h = {money(compute)}",
            )
        )
    else:
        hourly = ctx.price(f"sql.{kind}.{tier}", region)
        if hourly is None:
            raise Unpriced(f"no price for Cloud SQL tier {tier!r} ({kind}) in {region}")
        parts.append((hourly * hours, f"{tier} {kind} {rate(hourly)}/h = {money(hourly * hours)}"))
    disk = float(settings.get("diskSize") or 10)
    disk_kind = "hdd" if settings.get("diskType") == "PD_HDD" else "ssd"
    per_disk = ctx.need(f"sql.{kind}.{disk_kind}", region)
    parts.append(
        (
            disk * per_disk,
            f"{number(disk)} GiB {disk_kind.upper()} x {rate(per_disk)} = {money(disk * per_disk)}",
        )
    )
    backups = settings.get("backupConfiguration") or {}
    if backups.get("enabled"):
        retained = float((backups.get("backupRetentionSettings") or {}).get("retainedBackups") or 7)
        used = ctx.assume("sql_disk_used_share")
        change = ctx.assume("sql_backup_daily_change")
        size = disk * used * (1 + change * (retained - 1))
        per_backup = ctx.need("sql.backup", region)
        parts.append(
            (
                size * per_backup,
                f"backups {number(retained)} retained: {number(disk)} GiB x {used:g} used x "
                f"(1 + {change:g} x {number(retained - 1)}) = {number(size)} GiB x "
                f"{rate(per_backup)}",
            )
        )
    total = sum(cost for cost, _ in parts)
    prefix = (
        f"read replica of {inputs['masterInstanceName']}; "
        if inputs.get("masterInstanceName")
        else ""
    )
    return Priced(total, prefix + "; ".join(text for _, text in parts) + f" -> {money(total)}")


# --- Storage and databases ---------------------------------------------------------------------


def bucket(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    location = str(inputs.get("location") or "").lower()
    quota, quota_basis = ctx.storage_quota(r)
    used = ctx.assume("storage_used_share")
    if region_of(location):
        per_gib = ctx.need("gcs.standard", location)
        region = location
    elif location == "us":
        per_gib = ctx.need("gcs.standard.multi-region-us", "us-central1")
        region = "us-central1"
    else:
        raise Unpriced(f"no Cloud Storage price for location {location or '(none)'}")
    storage = quota * used * per_gib
    served = ctx.tenants_served(r)
    ops_a = ctx.assume("gcs_class_a_ops_per_month") * served
    ops_b = ctx.assume("gcs_class_b_ops_per_month") * served
    price_a = ctx.need("gcs.class_a", region)
    price_b = ctx.need("gcs.class_b", region)
    ops = ops_a / 1e4 * price_a + ops_b / 1e4 * price_b
    total = storage + ops
    return Priced(
        total,
        f"{quota_basis} x {used:g} used x {rate(per_gib)}/GiB = {money(storage)}; "
        f"{number(ops_a)} class A x {rate(price_a)}/10k + {number(ops_b)} class B x "
        f"{rate(price_b)}/10k = {money(ops)} -> {money(total)} (noncurrent versions not modelled)",
    )


def firestore_database(r: PlanResource, ctx: Context) -> Priced:
    location = str(r.inputs.get("locationId") or "")
    # A multi-region (nam5, eur3) has prices of its own: firestore.<multi-region>.<item>.
    region = location if location in FIRESTORE_MULTI_REGIONS else region_of(location)
    if region is None:
        raise Unpriced(f"no Firestore price for location {location or '(none)'}")
    storage = ctx.usage("firestore_storage_gib", r)
    reads = ctx.usage("firestore_reads_per_month", r)
    writes = ctx.usage("firestore_writes_per_month", r)
    deletes = ctx.usage("firestore_deletes_per_month", r)
    key = f"firestore.{region}" if region in FIRESTORE_MULTI_REGIONS else "firestore"
    where = None if region in FIRESTORE_MULTI_REGIONS else region
    p_storage = ctx.need(f"{key}.storage", where)
    p_reads = ctx.need(f"{key}.reads", where)
    p_writes = ctx.need(f"{key}.writes", where)
    p_deletes = ctx.need(f"{key}.deletes", where)
    total = (
        storage * p_storage
        + reads / 1e5 * p_reads
        + writes / 1e5 * p_writes
        + deletes / 1e5 * p_deletes
    )
    return Priced(
        total,
        f"{number(storage)} GiB x {rate(p_storage)} + {number(reads)} reads x {rate(p_reads)}/100k"
        f" + {number(writes)} writes x {rate(p_writes)}/100k + {number(deletes)} deletes x "
        f"{rate(p_deletes)}/100k = {money(total)} (a named database: no free quota)",
    )


def firestore_backups(r: PlanResource, ctx: Context) -> Priced:
    database = ctx.firestore_for(str(r.inputs.get("database") or ""), r)
    location = str(database.inputs.get("locationId") or "") if database else ""
    region = location if location in FIRESTORE_MULTI_REGIONS else region_of(location)
    if database is None or region is None:
        raise Unpriced("its database's location is not in the plan")
    retention = seconds(r.inputs.get("retention"))
    if retention is None:
        raise Unpriced("no retention in the schedule")
    days = retention / 86400
    every = 7 if r.inputs.get("weeklyRecurrence") else 1
    copies = max(1.0, math.floor(days / every))
    size = ctx.usage("firestore_storage_gib", database)
    multi = region in FIRESTORE_MULTI_REGIONS
    per_gib = ctx.need(
        f"firestore.{region}.backup" if multi else "firestore.backup", None if multi else region
    )
    total = copies * size * per_gib
    return Priced(
        total,
        f"{number(copies)} backups kept ({number(days)} days, every {every} day(s)) x "
        f"{number(size)} GiB x {rate(per_gib)} = {money(total)}",
    )


def temporal_namespace(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    regions = inputs.get("regions") or []
    retention = float(inputs.get("retentionDays") or 0)
    hours = ctx.assume("hours_per_month")
    actions = ctx.usage("temporal_actions_per_month", r)
    active = ctx.usage("temporal_active_storage_gb", r)
    retained = ctx.usage("temporal_closed_history_gb_per_day", r) * retention
    p_actions = ctx.need("temporal.actions")
    p_active = ctx.need("temporal.active_storage")
    p_retained = ctx.need("temporal.retained_storage")
    usage = actions / 1e6 * p_actions + active * p_active * hours + retained * p_retained * hours
    factor = ctx.need("temporal.replication_multiplier") if len(regions) > 1 else 1.0
    plan_share = ctx.need("temporal.plan_share_of_usage")
    total = usage * factor * (1 + plan_share)
    return Priced(
        total,
        f"({number(actions)} actions x {rate(p_actions)}/M + {number(active)} GB active x "
        f"{rate(p_active)}/GBh + {number(retained)} GB retained ({number(retention)} days) x "
        f"{rate(p_retained)}/GBh) x {number(hours)} h; x {factor:g} for {len(regions)} region(s);"
        f" + {plan_share:.0%} plan fee = {money(total)}",
    )


# --- Secrets, keys, logs, monitoring ------------------------------------------------------------


def secret_version(r: PlanResource, ctx: Context) -> Priced:
    version = ctx.need("secret.version")
    accesses = ctx.assume("secret_accesses_per_month")
    per_access = ctx.need("secret.access")
    total = version + accesses / 1e4 * per_access
    return Priced(
        total,
        f"1 active version x {rate(version)} + {number(accesses)} accesses x "
        f"{rate(per_access)}/10k = {money(total)}",
    )


def crypto_key(r: PlanResource, ctx: Context) -> Priced:
    inputs = r.inputs
    template = inputs.get("versionTemplate") or {}
    level = str(template.get("protectionLevel") or "SOFTWARE")
    key = {"SOFTWARE": "kms.software_version", "HSM": "kms.hsm_version"}.get(level)
    if key is None:
        raise Unpriced(f"no price for {level} keys")
    rotation = seconds(inputs.get("rotationPeriod"))
    age = ctx.assume("kms_key_age_days")
    versions = 1 + (math.floor(age / (rotation / 86400)) if rotation else 0)
    per_version = ctx.need(key)
    ops = ctx.assume("kms_operations_per_month")
    per_ops = ctx.need("kms.operations")
    total = versions * per_version + ops / 1e4 * per_ops
    return Priced(
        total,
        f"{versions} active {level.lower()} version(s) (rotated every "
        f"{number((rotation or 0) / 86400)} days, key {number(age)} days old) x {rate(per_version)}"
        f" + {number(ops)} operations x {rate(per_ops)}/10k = {money(total)}",
    )


def log_sink(r: PlanResource, ctx: Context) -> Priced:
    ctx.need("logging.sink")
    return Priced(
        0.0,
        f"Log Router: no charge; the destination ({r.inputs.get('destination')}) bills its owner",
    )


def alert_policy(r: PlanResource, ctx: Context) -> Priced:
    conditions = len(r.inputs.get("conditions") or []) or 1
    per = ctx.need("monitoring.alert_condition")
    return Priced(
        conditions * per, f"{conditions} condition(s) x {rate(per)} = {money(conditions * per)}"
    )


def uptime_check(r: PlanResource, ctx: Context) -> Priced:
    period = float(str(r.inputs.get("period") or "60s").rstrip("s"))
    # Every checker location runs the check once per period (Cloud Monitoring, uptime checks).
    checkers = uptime_checkers(r.inputs.get("selectedRegions") or [])
    executions = ctx.assume("hours_per_month") * 3600 / period * checkers
    per = ctx.need("monitoring.uptime_check_execution")
    return Priced(
        executions * per,
        f"{executions:,.0f} executions ({checkers} checkers every {period:.0f} s) x {rate(per)}",
    )


def uptime_checkers(regions: list[str]) -> int:
    """USA has three checkers, EUROPE, SOUTH_AMERICA and ASIA_PACIFIC one each; no selection
    means all of them (Cloud Monitoring docs, "Uptime checks overview")."""
    per_region = {"USA": 3, "EUROPE": 1, "SOUTH_AMERICA": 1, "ASIA_PACIFIC": 1}
    return sum(per_region.get(r, 1) for r in regions) if regions else sum(per_region.values())


# --- Network -----------------------------------------------------------------------------------


def router_nat(r: PlanResource, ctx: Context) -> Priced:
    hours = ctx.assume("hours_per_month")
    price = ctx.catalogue_price("nat.gateway_per_vm")
    cap = price.cap_vms or 32
    vms = min(ctx.nodes_in_stack(r), float(cap))
    gateway = vms * price.usd * hours
    data = ctx.assume("nat_data_gib_per_month")
    per_gib = ctx.need("nat.data_processing")
    if r.inputs.get("natIpAllocateOption") == "MANUAL_ONLY":
        ips = float(len(r.inputs.get("natIps") or []))
    else:
        ips = ctx.assume("nat_ips_per_gateway")
    per_ip = ctx.need("nat.ip")
    total = gateway + data * per_gib + ips * per_ip * hours
    return Priced(
        total,
        f"{number(vms)} VM(s) (cap {cap}) x {rate(price.usd)}/h + {number(data)} GiB x "
        f"{rate(per_gib)} + {number(ips)} IP(s) x {rate(per_ip)}/h, {number(hours)} h"
        f" = {money(total)}",
    )


def address(r: PlanResource, ctx: Context) -> Priced:
    if r.inputs.get("addressType") == "INTERNAL":
        return Priced(0.0, "internal address range: no charge")
    ctx.need("ip.forwarding_rule")
    return Priced(
        0.0,
        "external address held by the ingress load balancer's forwarding rule:"
        " no charge for the address",
    )


def subnetwork(r: PlanResource, ctx: Context) -> Priced:
    config = r.inputs.get("logConfig")
    if not config:
        return Priced(0.0, "no flow logs: no charge")
    sampling = float(config.get("flowSampling", 0.5))
    volume = ctx.assume("vpc_flow_logs_gib_per_month") * sampling
    per = ctx.need("logging.vended_network_logs")
    return Priced(
        volume * per,
        f"flow logs {number(volume)} GiB (sampling {sampling:g}) x {rate(per)}"
        f" = {money(volume * per)}",
    )


def firewall(r: PlanResource, ctx: Context) -> Priced:
    if not r.inputs.get("logConfig"):
        return Priced(0.0, "no rule logging: no charge")
    volume = ctx.assume("firewall_logs_gib_per_month")
    per = ctx.need("logging.vended_network_logs")
    return Priced(
        volume * per, f"rule logging {number(volume)} GiB x {rate(per)} = {money(volume * per)}"
    )


def vpn_tunnel(r: PlanResource, ctx: Context) -> Priced:
    hours = ctx.assume("hours_per_month")
    per = ctx.need("vpn.tunnel")
    return Priced(
        per * hours, f"1 tunnel x {rate(per)}/h x {number(hours)} h = {money(per * hours)}"
    )


def managed_zone(r: PlanResource, ctx: Context) -> Priced:
    per = ctx.need("dns.zone")
    return Priced(per, f"1 managed zone x {rate(per)} (zones 1-25)")


def record_set(r: PlanResource, ctx: Context) -> Priced:
    queries = ctx.assume("dns_queries_per_record_per_month")
    per = ctx.need("dns.queries")
    total = queries / 1e6 * per
    return Priced(total, f"{number(queries)} queries x {rate(per)}/M = {money(total)}")


def forwarding_rule(region: str, ctx: Context, what: str) -> Priced:
    hours = ctx.assume("hours_per_month")
    rule = ctx.need("lb.forwarding_rules_first_5", region)
    data = ctx.assume("lb_data_gib_per_month")
    per_gib = ctx.need("lb.data_processing", region)
    total = rule * hours + data * per_gib
    return Priced(
        total,
        f"{what}: forwarding rule {rate(rule)}/h x {number(hours)} h + {number(data)} GiB x "
        f"{rate(per_gib)} = {money(total)}",
    )


# --- What Kubernetes objects provision outside the nodes ---------------------------------------


def volume_claim(
    size: Any, storage_class: str | None, r: PlanResource, ctx: Context
) -> tuple[float, str]:
    kind = ctx.disk_type_of_class(storage_class)
    if kind is None:
        raise Unpriced(f"storage class {storage_class!r} is not in the plan")
    region = ctx.region(r, None)
    size_gib = gib(size)
    per = ctx.need(f"disk.{kind}", region)
    return size_gib * per, f"{number(size_gib)} GiB {kind} x {rate(per)}"


def neo4j_compute(resources: dict, r: PlanResource, ctx: Context) -> str:
    """Neo4j's share of the nodes, valued but not added: the node lines already carry it."""
    ask = f"its {resources.get('cpu')} vCPU / {resources.get('memory')} run on the nodes"
    pool = ctx.node_pool_of(r)
    try:
        machine = str(((pool.inputs.get("nodeConfig") or {}).get("machineType")) if pool else "")
        shape = machine_shape(machine)
        if pool is None or shape is None:
            raise Unpriced("no node pool")
        hourly, _ = machine_hourly(machine, ctx.region(pool, pool.inputs.get("location")), ctx)
        share = (
            0.5 * cpu(resources.get("cpu", 0)) / shape[0]
            + 0.5 * gib(resources.get("memory", 0)) / shape[1]
        )
    except (Unpriced, ValueError):
        return ask + " (in the node or namespace-share lines, not added twice)"
    value = hourly * share * ctx.assume("hours_per_month")
    return (
        f"{ask}: {share:.1%} of a {machine} node = {money(value)} of node capacity, already in"
        " the node or namespace-share lines (not added twice)"
    )


def helm_release(r: PlanResource, ctx: Context) -> Priced | None:
    values = r.inputs.get("values") or {}
    parts: list[tuple[float, str]] = []
    service = (values.get("controller") or {}).get("service") or values.get("service") or {}
    if service.get("type") == "LoadBalancer":
        lb = forwarding_rule(ctx.region(r, None), ctx, "LoadBalancer Service")
        parts.append((lb.monthly_usd, lb.basis))
    data = (values.get("volumes") or {}).get("data") or {}
    request = ((data.get("dynamic") or {}).get("requests") or {}).get("storage")
    if request:
        cost, basis = volume_claim(
            request, (data.get("dynamic") or {}).get("storageClassName"), r, ctx
        )
        parts.append((cost, f"data volume {basis} = {money(cost)}"))
        resources = (values.get("neo4j") or {}).get("resources") or {}
        if resources:
            parts.append((0.0, neo4j_compute(resources, r, ctx)))
    if not parts:
        return None
    total = sum(cost for cost, _ in parts)
    return Priced(total, "; ".join(text for _, text in parts) + f" -> {money(total)}")


def k8s_service(r: PlanResource, ctx: Context) -> Priced | None:
    if (r.inputs.get("spec") or {}).get("type") != "LoadBalancer":
        return None
    return forwarding_rule(ctx.region(r, None), ctx, "LoadBalancer Service")


def k8s_pvc(r: PlanResource, ctx: Context) -> Priced | None:
    spec = r.inputs.get("spec") or {}
    size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if not size:
        return None
    cost, basis = volume_claim(size, spec.get("storageClassName"), r, ctx)
    return Priced(cost, f"{basis} = {money(cost)}")


RULES: dict[str, Rule] = {
    "gcp:container/cluster:Cluster": cluster,
    "gcp:container/nodePool:NodePool": node_pool,
    "gcp:sql/databaseInstance:DatabaseInstance": sql_instance,
    "gcp:storage/bucket:Bucket": bucket,
    "gcp:firestore/database:Database": firestore_database,
    "gcp:firestore/backupSchedule:BackupSchedule": firestore_backups,
    "temporalcloud:index/namespace:Namespace": temporal_namespace,
    "gcp:secretmanager/secretVersion:SecretVersion": secret_version,
    "gcp:kms/cryptoKey:CryptoKey": crypto_key,
    "gcp:logging/projectSink:ProjectSink": log_sink,
    "gcp:monitoring/alertPolicy:AlertPolicy": alert_policy,
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": uptime_check,
    "gcp:compute/routerNat:RouterNat": router_nat,
    "gcp:compute/address:Address": address,
    "gcp:compute/globalAddress:GlobalAddress": address,
    "gcp:compute/subnetwork:Subnetwork": subnetwork,
    "gcp:compute/firewall:Firewall": firewall,
    "gcp:compute/vPNTunnel:VPNTunnel": vpn_tunnel,
    "gcp:dns/managedZone:ManagedZone": managed_zone,
    "gcp:dns/recordSet:RecordSet": record_set,
    "kubernetes:helm.sh/v3:Release": helm_release,
    "kubernetes:core/v1:Service": k8s_service,
    "kubernetes:core/v1:PersistentVolumeClaim": k8s_pvc,
}
