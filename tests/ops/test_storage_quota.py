"""Storage quota at 100%: the tier's quota (or the tenant's override) reaches the alert that drives
the enforcement, and the enforcement is reversible.

The reversible test runs the planned workflow (its source and environment, read off the plan) in
a model of the subset of Workflows syntax it uses, against a fake Resource Manager that keeps tag
bindings and a fake IAM that evaluates the planned deny policy against them. Usage goes over the
quota and back; a model of the alert (threshold and comparison read off the planned policy) opens
and closes the incident, each transition publishing the message Cloud Monitoring publishes. The
models are not Google's engines: they check that the pieces the plan holds agree with each other
(threshold, channel, topic, workflow, tag names, deny condition) and that both transitions work,
duplicates included. The concurrent test repeats the withdrawal and the restoration while the
tenant's identity keeps uploading, and checks that nothing written is lost.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from ruamel.yaml import YAML

from domain import names
from domain.plan_model import PlanResource, PlanStack
from domain.registry import load_registry
from domain.stacks import all_stacks
from domain.tiers import PROFILES, Tier

ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
DENY = "gcp:iam/denyPolicy:DenyPolicy"
TAG_KEY = "gcp:tags/tagKey:TagKey"
TAG_VALUE = "gcp:tags/tagValue:TagValue"
TOPIC = "gcp:pubsub/topic:Topic"
TRIGGER = "gcp:eventarc/trigger:Trigger"
WORKFLOW = "gcp:workflows/workflow:Workflow"
BUCKET = "gcp:storage/bucket:Bucket"
GiB = 1024**3


def one(stack: PlanStack, type_token: str, suffix: str = "") -> PlanResource:
    found = [r for r in stack.resources if r.type == type_token and r.name.endswith(suffix)]
    assert len(found) == 1, (stack.name, type_token, suffix, [r.name for r in found])
    return found[0]


def uploads_bucket(stack: PlanStack) -> PlanResource:
    return one(stack, BUCKET, "-uploads-bucket")


@dataclass(frozen=True)
class Enforcement:
    """The pieces of one tenant's enforcement, as planned."""

    tenant: str
    alert: PlanResource
    channel: PlanResource
    topic: PlanResource
    trigger: PlanResource
    workflow: PlanResource
    deny: PlanResource
    tag_key: PlanResource
    tag_value: PlanResource
    bucket: str
    writer: str

    @classmethod
    def of(cls, stack: PlanStack, tenant: str) -> Enforcement:
        writer = next(
            r.inputs["accountId"]
            for r in stack.resources
            if r.type == "gcp:serviceaccount/account:Account"
            and r.inputs["accountId"] == names.workload_service_account_id(tenant)
        )
        project = uploads_bucket(stack).inputs["project"]
        return cls(
            tenant=tenant,
            alert=one(stack, ALERT, "-alerts-storage-100"),
            channel=one(stack, CHANNEL, "-storage-quota-channel"),
            topic=one(stack, TOPIC, "-storage-quota-topic"),
            trigger=one(stack, TRIGGER, "-storage-quota-trigger"),
            workflow=one(stack, WORKFLOW, "-storage-quota-workflow"),
            deny=one(stack, DENY, "-storage-quota-deny"),
            tag_key=one(stack, TAG_KEY, "-storage-quota-tag-key"),
            tag_value=one(stack, TAG_VALUE, "-storage-quota-tag-exceeded"),
            bucket=uploads_bucket(stack).inputs["name"],
            writer=f"{writer}@{project}.iam.gserviceaccount.com",
        )

    @property
    def threshold_bytes(self) -> float:
        return self.alert.inputs["conditions"][0]["conditionThreshold"]["thresholdValue"]


# --- the tier's quota and the override reach the mechanism ----------------------------------------
@pytest.mark.parametrize(
    ("name", "tenant", "quota_gb"),
    [
        ("dev.coinbase", "coinbase", 100),  # its override (tenants/coinbase.yaml)
        ("dev.stripe", "stripe", PROFILES[Tier.STANDARD].storage_quota_gb),
        ("dev.amovil", "amovil", PROFILES[Tier.STANDARD].storage_quota_gb),
    ],
)
def test_the_quota_reaches_the_alert_that_withdraws_writes(
    sample_plan, name, tenant, quota_gb
) -> None:
    stack = sample_plan.stack(name)
    found = Enforcement.of(stack, tenant)
    assert found.threshold_bytes == quota_gb * GiB
    # total_bytes has one series per storage class: an upload in another class must not escape.
    (aggregation,) = found.alert.inputs["conditions"][0]["conditionThreshold"]["aggregations"]
    assert aggregation["crossSeriesReducer"] == "REDUCE_SUM"
    assert aggregation["groupByFields"] == ["resource.label.bucket_name"]
    assert found.channel.inputs["type"] == "pubsub"
    channel_name = f"projects/{found.channel.inputs['project']}/notificationChannels/"
    assert channel_name + found.channel.name in found.alert.inputs["notificationChannels"]
    # Only the 100% policy withdraws anything.
    for alert in (r for r in stack.resources if r.type == ALERT and r is not found.alert):
        assert channel_name + found.channel.name not in alert.inputs["notificationChannels"]
    rule = found.deny.inputs["rules"][0]["denyRule"]
    assert rule["deniedPermissions"] == ["storage.googleapis.com/objects.create"]
    assert rule["deniedPrincipals"] == [
        f"principal://iam.googleapis.com/projects/-/serviceAccounts/{found.writer}"
    ]
    assert found.workflow.inputs["userEnvVars"]["BUCKET_RESOURCE"].endswith(
        f"/buckets/{found.bucket}"
    )


def test_an_unlimited_tenant_has_nothing_to_withdraw(sample_plan) -> None:
    robinhood = sample_plan.stack("dev.robinhood")
    assert PROFILES[Tier.ENTERPRISE].storage_quota_gb is None
    assert not [r for r in robinhood.resources if "storage-quota" in r.name]
    assert not [r for r in robinhood.resources if r.type == ALERT and "-storage-" in r.name]


def test_an_enterprise_override_reaches_the_mechanism(settings, tenants_dir) -> None:
    from tenancy.plan.engine import plan_stacks

    path = tenants_dir / "robinhood.yaml"
    path.write_text(path.read_text().replace("limits:\n", "limits:\n  storage_quota_gb: 2048\n", 1))
    registry = load_registry(tenants_dir, settings)
    stacks = [s for s in all_stacks(registry, "dev") if s.name == "dev.robinhood"]
    robinhood = plan_stacks(stacks, settings, registry, workers=1).stack("dev.robinhood")
    assert robinhood is not None
    found = Enforcement.of(robinhood, "robinhood")
    assert found.threshold_bytes == 2048 * GiB
    # Its own project: the tag key, the deny policy and the workflow live where the bucket does.
    project = uploads_bucket(robinhood).inputs["project"]
    assert found.tag_key.inputs["parent"] == f"projects/{project}"
    assert found.deny.inputs["parent"] == quote(
        f"cloudresourcemanager.googleapis.com/projects/{project}", safe=""
    )
    assert found.workflow.inputs["project"] == project


# --- a model of the Workflows subset the enforcement uses -----------------------------------------
class HttpError(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(f"HTTP {code} {message}")
        self.code = code


class Map(dict):
    """A Workflows map: fields are read as attributes in expressions (``e.code``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _as_map(value: Any) -> Any:
    if isinstance(value, dict):
        return Map({k: _as_map(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_as_map(v) for v in value]
    return value


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class WorkflowModel:
    """Runs ``main`` of a workflow: assign, switch (next/return/raise), try/except, http.post,
    http.delete, return, raise, next. Expressions are evaluated as Python over Workflows' names
    (json.decode, base64.decode, text.url_encode, sys.get_env); percent-encoding keeps only
    RFC 3986 unreserved characters."""

    EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.S)

    def __init__(self, source: str, env: dict[str, str], http: Callable[..., Any]):
        self.main = YAML(typ="safe").load(source)["main"]
        self.http = http
        self.builtins = {
            "json": Map(decode=lambda data: _as_map(json.loads(data))),
            "base64": Map(decode=base64.b64decode),
            "text": Map(url_encode=lambda s: quote(s, safe="-_.~")),
            "sys": Map(get_env=lambda key: env[key]),
        }

    def run(self, argument: Any) -> Any:
        (param,) = self.main["params"]
        variables: dict[str, Any] = {param: _as_map(argument)}
        try:
            self._steps(self.main["steps"], variables)
        except _Return as done:
            return done.value
        return None

    def _eval(self, value: Any, variables: dict[str, Any]) -> Any:
        if isinstance(value, str):
            match = self.EXPRESSION.match(value)
            return eval(match[1], dict(self.builtins), variables) if match else value
        if isinstance(value, dict):
            return {k: self._eval(v, variables) for k, v in value.items()}
        if isinstance(value, list):
            return [self._eval(v, variables) for v in value]
        return value

    def _steps(self, steps: list[dict[str, Any]], variables: dict[str, Any]) -> None:
        order = [next(iter(step)) for step in steps]
        bodies = {name: step[name] for step in steps for name in step}
        index = 0
        while index < len(order):
            jump = self._step(bodies[order[index]], variables)
            index = order.index(jump) if jump else index + 1

    def _step(self, body: dict[str, Any], variables: dict[str, Any]) -> str | None:
        for assignment in body.get("assign", []):
            ((name, expression),) = assignment.items()
            variables[name] = self._eval(expression, variables)
        for case in body.get("switch", []):
            if self._eval(case["condition"], variables):
                return self._outcome(case, variables)
        if "try" in body:
            try:
                self._call(body["try"], variables)
            except HttpError as error:
                handler = body["except"]
                variables[handler["as"]] = Map(code=error.code, message=str(error))
                self._steps(handler["steps"], variables)
        elif "call" in body:
            self._call(body, variables)
        return self._outcome(body, variables)

    def _outcome(self, body: dict[str, Any], variables: dict[str, Any]) -> str | None:
        if "return" in body:
            raise _Return(self._eval(body["return"], variables))
        if "raise" in body:
            raise RuntimeError(self._eval(body["raise"], variables))
        return body.get("next")

    def _call(self, body: dict[str, Any], variables: dict[str, Any]) -> None:
        args = self._eval(body["args"], variables)
        assert args.get("auth") == {"type": "OAuth2"}, "Google APIs need the OAuth2 token"
        method = {"http.post": "POST", "http.delete": "DELETE"}[body["call"]]
        self.http(method, args["url"], args.get("body"))


# --- fakes of the services around it -------------------------------------------------------------
@dataclass
class TagService:
    """Resource Manager's regional tagBindings collection (v3): create and delete."""

    endpoint: str
    bindings: set[tuple[str, str]] = field(default_factory=set)

    def __call__(self, method: str, url: str, body: dict | None) -> None:
        if method == "POST":
            assert url == self.endpoint, url
            binding = (body["parent"], body["tagValue"])  # type: ignore[index]
            if binding in self.bindings:
                raise HttpError(409, "already exists")
            self.bindings.add(binding)
            return
        prefix = self.endpoint + "/"
        assert method == "DELETE" and url.startswith(prefix), url
        parent, _, value = url.removeprefix(prefix).partition("/")
        assert "/" not in parent, "the parent is one percent-encoded path segment"
        binding = (parent.replace("%2F", "/"), value)
        if binding not in self.bindings:
            raise HttpError(404, "not found")
        self.bindings.remove(binding)


@dataclass
class Iam:
    """Deny policies of one project, their tag conditions evaluated on the bucket's bindings."""

    deny: dict[str, Any]
    namespaced: dict[str, str]  # tagValues/N -> <project>/<key>/<value>
    tags: TagService

    def may_create_objects(self, principal: str, bucket: str) -> bool:
        for rule in self.deny["rules"]:
            deny = rule["denyRule"]
            if principal not in deny["deniedPrincipals"]:
                continue
            if "storage.googleapis.com/objects.create" not in deny["deniedPermissions"]:
                continue
            match = re.fullmatch(
                r"resource\.matchTag\('([^']+)', '([^']+)'\)", deny["denialCondition"]["expression"]
            )
            assert match, "only a tag condition is modelled (deny conditions are tag conditions)"
            wanted = f"{match[1]}/{match[2]}"
            bound = {
                self.namespaced[value]
                for parent, value in self.tags.bindings
                if parent == f"//storage.googleapis.com/projects/_/buckets/{bucket}"
            }
            if wanted in bound:
                return False
        return True


def _message(state: str) -> dict[str, Any]:
    """The CloudEvent Eventarc hands the workflow for one Monitoring notification."""
    incident = {"incident": {"state": state, "policy_name": "storage at 100%"}, "version": "1.2"}
    data = base64.b64encode(json.dumps(incident).encode()).decode()
    return {"data": {"message": {"data": data}}}


def test_writes_are_withdrawn_over_the_quota_and_restored_below_it(sample_plan) -> None:
    stack = sample_plan.stack("dev.coinbase")
    found = Enforcement.of(stack, "coinbase")
    # The wiring: alert -> channel -> topic -> trigger -> workflow.
    assert found.channel.inputs["labels"]["topic"] == found.topic.inputs.get("id", "") or (
        found.channel.inputs["labels"]["topic"].endswith("/topics/" + found.topic.inputs["name"])
    )
    assert (
        found.trigger.inputs["transport"]["pubsub"]["topic"]
        == (found.channel.inputs["labels"]["topic"])
    )
    assert found.trigger.inputs["destination"]["workflow"].endswith(
        "/workflows/" + found.workflow.inputs["name"]
    )
    assert found.trigger.inputs["matchingCriterias"] == [
        {"attribute": "type", "value": "google.cloud.pubsub.topic.v1.messagePublished"}
    ]
    # The tag value's id is assigned at creation; the rest comes from the plan as it is.
    value_id = "tagValues/281475"
    key_project = found.tag_key.inputs["parent"].removeprefix("projects/")
    namespaced = (
        f"{key_project}/{found.tag_key.inputs['shortName']}/{found.tag_value.inputs['shortName']}"
    )
    env = {**found.workflow.inputs["userEnvVars"], "TAG_VALUE": value_id}
    tags = TagService(env["TAG_BINDINGS"])
    iam = Iam(found.deny.inputs, {value_id: namespaced}, tags)
    workflow = WorkflowModel(found.workflow.inputs["sourceContents"], env, tags)
    principal = found.deny.inputs["rules"][0]["denyRule"]["deniedPrincipals"][0]

    condition = found.alert.inputs["conditions"][0]["conditionThreshold"]
    assert condition["comparison"] == "COMPARISON_GT"
    open_incident = False
    outcomes = []
    allowed = []
    for usage_gb in (10, 99, 101, 130, 130, 60, 40, 101):
        violating = usage_gb * GiB > condition["thresholdValue"]
        if violating != open_incident:  # Monitoring publishes on each transition
            open_incident = violating
            outcomes.append(workflow.run(_message("open" if violating else "closed")))
        allowed.append(iam.may_create_objects(principal, found.bucket))
    assert outcomes == ["withdrawn", "restored", "withdrawn"]
    assert allowed == [True, True, False, False, False, True, True, False]

    # A redelivered message changes nothing and does not fail.
    assert workflow.run(_message("open")) == "withdrawn"
    assert not iam.may_create_objects(principal, found.bucket)
    assert workflow.run(_message("closed")) == "restored"
    assert workflow.run(_message("closed")) == "restored"
    assert iam.may_create_objects(principal, found.bucket)
    assert workflow.run(_message("acknowledged")) == "ignored"
    # Another principal (the platform, another tenant) is never affected.
    workflow.run(_message("open"))
    assert iam.may_create_objects(
        "principal://iam.googleapis.com/projects/-/serviceAccounts/x@y", found.bucket
    )
    assert not iam.may_create_objects(principal, found.bucket)


def test_a_failing_tag_service_fails_the_execution(sample_plan) -> None:
    found = Enforcement.of(sample_plan.stack("dev.coinbase"), "coinbase")

    def broken(method: str, url: str, body: dict | None) -> None:
        raise HttpError(403, "permission denied")

    env = {**found.workflow.inputs["userEnvVars"], "TAG_VALUE": "tagValues/1"}
    workflow = WorkflowModel(found.workflow.inputs["sourceContents"], env, broken)
    for state in ("open", "closed"):
        with pytest.raises(RuntimeError):
            workflow.run(_message(state))


# --- enforcement while the tenant keeps uploading -------------------------------------------------
HANG_GUARD_S = 60  # a deadlock guard on waits between threads, never a measurement


class Ledger:
    """One order of events for the bucket and the tag bindings (a lock and a counter), so each
    upload is either before or after each binding change. The model makes a binding effective at
    once; the real deny takes effect after IAM propagates it (see the test's docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.seq = 0

    def tick(self) -> int:
        self.seq += 1
        return self.seq


@dataclass
class Bucket:
    """The tenant bucket: uploads are objects.create, checked against the IAM model. It also
    answers the Cloud Storage JSON API's object calls, so that an enforcement that deleted or
    overwrote objects would be seen losing them."""

    name: str
    iam: Iam
    ledger: Ledger
    objects: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    attempts: list[tuple[int, str, bool]] = field(default_factory=list)  # (seq, object, created)

    def upload(self, principal: str, name: str, size: int, data: bytes) -> bool:
        with self.ledger.lock:
            created = self.iam.may_create_objects(principal, self.name)
            if created:
                self.objects[name] = (size, data)
            self.attempts.append((self.ledger.tick(), name, created))
            self.ledger.lock.notify_all()
            return created

    def delete(self, name: str) -> None:
        """The tenant freeing space: objects.delete is not denied over the quota."""
        with self.ledger.lock:
            del self.objects[name]
            self.ledger.tick()

    def usage(self) -> int:
        """storage/total_bytes as Monitoring would read it now."""
        with self.ledger.lock:
            return sum(size for size, _ in self.objects.values())

    def api(self, method: str, url: str, body: dict | None) -> None:
        prefix = f"https://storage.googleapis.com/storage/v1/b/{self.name}/o/"
        if not url.startswith(prefix):
            raise HttpError(404, "not found")
        with self.ledger.lock:
            name = url.removeprefix(prefix).replace("%2F", "/")
            if method == "DELETE":
                self.objects.pop(name, None)
            self.ledger.tick()


@dataclass
class LockedTags(TagService):
    """The tag service in the ledger's order. Before it changes a binding it waits until the
    uploader has tried ``during`` more uploads since the execution began, so every transition
    happens while the tenant is writing."""

    ledger: Ledger = field(default_factory=Ledger)
    bucket: Bucket | None = None
    during: int = 3
    started_at: int = 0  # the number of upload attempts when the execution began
    changed_at: list[int] = field(default_factory=list)  # ledger positions of binding changes

    def __call__(self, method: str, url: str, body: dict | None) -> None:
        assert self.bucket is not None
        with self.ledger.lock:
            assert self.ledger.lock.wait_for(
                lambda: len(self.bucket.attempts) >= self.started_at + self.during,  # type: ignore[union-attr]
                HANG_GUARD_S,
            ), "the uploader stopped"
            before = set(self.bindings)
            try:
                super().__call__(method, url, body)
            finally:
                if self.bindings != before:
                    self.changed_at.append(self.ledger.tick())


def test_a_concurrent_uploader_is_refused_after_withdrawal_and_loses_nothing(sample_plan) -> None:
    """The tenant's identity uploads without pause while its usage crosses the quota, the alert
    opens, the planned workflow withdraws object creation, the tenant frees space, and the alert
    closes. Proven in the model: every upload ordered after the binding and before its removal
    is refused, every other upload is created, the enforcement removes nothing, and both
    transitions happen while uploads are in flight.

    Not provable here (no cloud): how long Monitoring takes to see usage (storage/total_bytes is
    sampled once a day, so real overshoot is up to a day of uploads, not the few objects here),
    how long IAM takes to apply a new tag binding to a deny policy (propagation: uploads may still
    succeed for a while after the workflow returns), Eventarc's delivery, and Google's evaluation
    of the deny condition. The models above stand in for those; the workflow source, its
    environment, the deny policy, the principal and the threshold are the planned ones."""
    found = Enforcement.of(sample_plan.stack("dev.coinbase"), "coinbase")
    value_id = "tagValues/281475"
    key_project = found.tag_key.inputs["parent"].removeprefix("projects/")
    namespaced = (
        f"{key_project}/{found.tag_key.inputs['shortName']}/{found.tag_value.inputs['shortName']}"
    )
    env = {**found.workflow.inputs["userEnvVars"], "TAG_VALUE": value_id}
    ledger = Ledger()
    tags = LockedTags(env["TAG_BINDINGS"], ledger=ledger)
    bucket = Bucket(found.bucket, Iam(found.deny.inputs, {value_id: namespaced}, tags), ledger)
    tags.bucket = bucket

    def http(method: str, url: str, body: dict | None) -> None:
        if url.startswith(tags.endpoint):
            return tags(method, url, body)
        if url.startswith("https://storage.googleapis.com/"):
            return bucket.api(method, url, body)
        raise HttpError(404, f"no such service: {url}")

    workflow = WorkflowModel(found.workflow.inputs["sourceContents"], env, http)
    # the tenant's workload identity, named independently of the deny policy
    principal = f"principal://iam.googleapis.com/projects/-/serviceAccounts/{found.writer}"
    threshold = found.threshold_bytes
    size = 5 * GiB  # each upload's size; the content names it
    stop = threading.Event()
    failures: list[BaseException] = []

    def uploader() -> None:
        try:
            index = 0
            while not stop.is_set():
                bucket.upload(principal, f"uploads/{index:07d}", size, f"object {index}".encode())
                index += 1
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            with ledger.lock:
                ledger.lock.notify_all()

    def wait_for(predicate: Callable[[], bool]) -> None:
        with ledger.lock:
            assert ledger.lock.wait_for(lambda: predicate() or bool(failures), HANG_GUARD_S)
        assert not failures, failures

    def attempts_after(position: int) -> int:
        return sum(1 for seq, _, _ in bucket.attempts if seq > position)

    def alert_run(state: str) -> Any:
        with ledger.lock:
            tags.started_at = len(bucket.attempts)
        return workflow.run(_message(state))

    writer = threading.Thread(target=uploader, name="tenant-uploader", daemon=True)
    writer.start()
    try:
        # Usage crosses the quota (COMPARISON_GT): the incident opens while uploads go on.
        wait_for(lambda: sum(s for s, _ in bucket.objects.values()) > threshold)
        assert alert_run("open") == "withdrawn"
        (withdrawn_at,) = tags.changed_at
        wait_for(lambda: attempts_after(withdrawn_at) >= 5)

        # The tenant frees space (deleting is not denied); the incident closes.
        with ledger.lock:
            kept_while_over = dict(bucket.objects)
            # the oldest, down to half the quota (uploads go on meanwhile, but are refused)
            over = sum(size for size, _ in kept_while_over.values()) - threshold / 2
            freed = sorted(kept_while_over)[: int(over // size) + 1]
        for name in freed:
            bucket.delete(name)
        assert bucket.usage() <= threshold
        assert alert_run("closed") == "restored"
        restored_at = tags.changed_at[-1]
        wait_for(lambda: attempts_after(restored_at) >= 5)
    finally:
        stop.set()
        writer.join(HANG_GUARD_S)
    assert not writer.is_alive() and not failures, failures

    assert len(tags.changed_at) == 2 and not tags.bindings
    for seq, name, created in bucket.attempts:
        assert created is not (withdrawn_at < seq < restored_at), (seq, name, created)
    # Both transitions happened while the tenant was uploading (LockedTags waited for it).
    refused = [seq for seq, _, ok in bucket.attempts if not ok]
    assert len(refused) >= 5 and attempts_after(restored_at) >= 5
    assert sum(1 for seq, _, _ in bucket.attempts if seq < withdrawn_at) > threshold / size
    # Nothing the tenant wrote was lost: every created upload is there, byte for byte, unless
    # the tenant deleted it itself; no refused upload left an object.
    created_names = [name for _, name, ok in bucket.attempts if ok]
    assert sorted(bucket.objects) == sorted(set(created_names) - set(freed))
    for name, (object_size, data) in bucket.objects.items():
        assert (object_size, data) == (size, f"object {int(name.rsplit('/', 1)[1])}".encode())
    assert all(
        kept_while_over[name] == bucket.objects[name]
        for name in bucket.objects
        if name in kept_while_over
    )
    # The overshoot the quota allows: uploads in flight before the binding were all kept.
    assert sum(s for s, _ in kept_while_over.values()) > threshold
