"""What happens when a tenant's bucket reaches its storage quota: the tenant's identity can no
longer create objects in it (it still reads, lists and deletes), until usage falls back below the
quota. Reversible by design: nothing is deleted and no grant is changed; a tag on the bucket is
bound and unbound.

The chain (each link a provider fact):
1. TenantAlerts' "storage at 100%" policy (``storage/total_bytes`` >= quota) also notifies a
   Pub/Sub channel of this block. Cloud Monitoring publishes one message when the incident opens
   and one when it closes (the condition no longer met), with ``incident.state`` "open" or
   "closed" (Monitoring docs, "Create and manage notification channels", Pub/Sub schema 1.2). It
   publishes as its notification service agent, ``service-<project number>@gcp-sa-monitoring-
   notification.iam.gserviceaccount.com``, created with the project's first Pub/Sub channel, which
   needs roles/pubsub.publisher on the topic.
2. An Eventarc trigger on the topic (event type ``google.cloud.pubsub.topic.v1.messagePublished``)
   starts a Workflows execution with the CloudEvent, whose ``data.message.data`` is the base64
   message (Workflows docs, "Trigger a workflow with events or Pub/Sub messages"); the trigger's
   account needs roles/workflows.invoker.
3. The workflow binds (open) or deletes (closed) a tag binding of the value ``exceeded`` of a
   project tag key ``<id>-quota`` on the bucket, through Resource Manager's regional
   endpoint (``https://<region>-cloudresourcemanager.googleapis.com/v3/tagBindings``; a bucket's
   parent is ``//storage.googleapis.com/projects/_/buckets/<name>``). It needs
   ``resourcemanager.tagValueBindings.create/delete`` on the value and
   ``storage.buckets.createTagBinding/deleteTagBinding`` on the bucket:
   roles/resourcemanager.tagUser holds both (Cloud Storage docs, "Tags and labels"). A duplicate
   message is harmless: creating an existing binding answers 409, deleting a missing one 404, and
   both count as done.
4. An IAM deny policy on the project denies ``storage.googleapis.com/objects.create`` to the
   tenant's service account when ``resource.matchTag('<project>/<id>-quota', 'exceeded')``
   (IAM docs, "Deny policies": deny conditions are tag conditions; a condition that is false
   denies nothing). Uploads, compose, copy and rewrite all need objects.create; get, list and delete
   do not, so the tenant can free space.

``storage/total_bytes`` is measured once a day and repeated every 300 s (Google Cloud metrics
list), so the withdrawal and the restoration follow usage within about a day: the quota is a cap
on sustained usage, not on a single upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child
from domain import names

EXCEEDED = "exceeded"  # the tag value that withdraws object creation
DENIED_PERMISSIONS = ("storage.googleapis.com/objects.create",)
PUBSUB_EVENT = "google.cloud.pubsub.topic.v1.messagePublished"
TAG_USER = "roles/resourcemanager.tagUser"
WORKFLOWS_INVOKER = "roles/workflows.invoker"

# Workflows syntax (https://cloud.google.com/workflows/docs/reference/syntax). The environment
# variables are set by this block: the tag value's name, the bucket's full resource name and the
# regional tagBindings collection.
WORKFLOW_SOURCE = """\
main:
  params: [event]
  steps:
    - read:
        assign:
          - incident: ${json.decode(base64.decode(event.data.message.data)).incident}
          - bindings: ${sys.get_env("TAG_BINDINGS")}
          - bucket: ${sys.get_env("BUCKET_RESOURCE")}
          - tag_value: ${sys.get_env("TAG_VALUE")}
    - route:
        switch:
          - condition: ${incident.state == "open"}
            next: withdraw
          - condition: ${incident.state == "closed"}
            next: restore
        next: ignored
    - withdraw:
        try:
          call: http.post
          args:
            url: ${bindings}
            auth:
              type: OAuth2
            body:
              parent: ${bucket}
              tagValue: ${tag_value}
        except:
          as: e
          steps:
            - already_withdrawn:
                switch:
                  - condition: ${e.code == 409}
                    return: withdrawn
            - withdraw_failed:
                raise: ${e}
        next: withdrawn
    - withdrawn:
        return: withdrawn
    - restore:
        try:
          call: http.delete
          args:
            url: ${bindings + "/" + text.url_encode(bucket) + "/" + tag_value}
            auth:
              type: OAuth2
        except:
          as: e
          steps:
            - already_restored:
                switch:
                  - condition: ${e.code == 404}
                    return: restored
            - restore_failed:
                raise: ${e}
        next: restored
    - restored:
        return: restored
    - ignored:
        return: ignored
"""


def tag_key_namespaced(project: str, tenant_id: str) -> str:
    """The namespaced name of a project tag key, as IAM conditions name it: <project id>/<key>."""
    return f"{project}/{names.storage_quota_tag_key(tenant_id)}"


def denial_condition(project: str, tenant_id: str) -> str:
    return f"resource.matchTag('{tag_key_namespaced(project, tenant_id)}', '{EXCEEDED}')"


def bucket_resource(bucket: str) -> str:
    """A bucket's full resource name, the parent of its tag bindings."""
    return f"//storage.googleapis.com/projects/_/buckets/{bucket}"


def tag_bindings_endpoint(region: str) -> str:
    """Tag bindings of regional resources (buckets) go to the regional endpoint."""
    return f"https://{region}-cloudresourcemanager.googleapis.com/v3/tagBindings"


@dataclass
class StorageQuotaArgs:
    tenant_id: str
    project: pulumi.Input[str]  # the bucket's project (holds the tag key and the deny policy)
    region: str  # the bucket's region (Workflows, Eventarc and the tag bindings endpoint)
    bucket_name: pulumi.Input[str]
    writer_email: pulumi.Input[str]  # the tenant's service account, whose creation is withdrawn
    ownership: Ownership


class StorageQuota(pulumi.ComponentResource):
    channel: gcp.monitoring.NotificationChannel  # the storage-100 alert notifies it

    def __init__(
        self, name: str, args: StorageQuotaArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:StorageQuota", name, {}, opts)
        own, tid = args.ownership, args.tenant_id
        project = pulumi.Output.from_input(args.project)
        key = gcp.tags.TagKey(
            f"{name}-tag-key",
            parent=project.apply(lambda p: f"projects/{p}"),
            short_name=names.storage_quota_tag_key(tid),
            description=f"Bound to {tid}'s bucket while it is over its storage quota",
            opts=child(self),
        )
        value = gcp.tags.TagValue(
            f"{name}-tag-exceeded",
            parent=pulumi.Output.concat("tagKeys/", key.name),
            short_name=EXCEEDED,
            description="Object creation is denied to the tenant's identity",
            opts=child(self),
        )
        gcp.iam.DenyPolicy(
            f"{name}-deny",
            parent=project.apply(
                lambda p: quote(f"cloudresourcemanager.googleapis.com/projects/{p}", safe="")
            ),
            name=names.storage_quota_tag_key(tid),
            display_name=f"{tid}: no new objects while over the storage quota",
            rules=[
                gcp.iam.DenyPolicyRuleArgs(
                    description="Object creation withdrawn at 100% of the storage quota",
                    deny_rule=gcp.iam.DenyPolicyRuleDenyRuleArgs(
                        denied_principals=[
                            pulumi.Output.concat(
                                "principal://iam.googleapis.com/projects/-/serviceAccounts/",
                                args.writer_email,
                            )
                        ],
                        denied_permissions=list(DENIED_PERMISSIONS),
                        denial_condition=gcp.iam.DenyPolicyRuleDenyRuleDenialConditionArgs(
                            title="bucket over its storage quota",
                            expression=project.apply(lambda p: denial_condition(p, tid)),
                        ),
                    ),
                )
            ],
            opts=child(self, depends_on=[value]),
        )
        topic = gcp.pubsub.Topic(
            f"{name}-topic",
            name=names.storage_quota_tag_key(tid),
            project=args.project,
            labels=own.gcp_labels(),
            opts=child(self),
        )
        self.channel = gcp.monitoring.NotificationChannel(
            f"{name}-channel",
            project=args.project,
            type="pubsub",
            display_name=f"{tid}: storage quota enforcement",
            labels={"topic": topic.id},
            user_labels=own.gcp_labels(),
            opts=child(self),
        )
        number = gcp.organizations.get_project_output(
            project_id=args.project, opts=pulumi.InvokeOutputOptions(parent=self)
        ).number
        gcp.pubsub.TopicIAMMember(
            f"{name}-monitoring-publishes",
            project=args.project,
            topic=topic.name,
            role="roles/pubsub.publisher",
            member=pulumi.Output.concat(
                "serviceAccount:service-",
                number,
                "@gcp-sa-monitoring-notification.iam.gserviceaccount.com",
            ),
            opts=child(self, depends_on=[self.channel]),  # the channel creates the agent
        )
        enforcer = gcp.serviceaccount.Account(
            f"{name}-enforcer",
            account_id=names.storage_quota_service_account_id(tid),
            project=args.project,
            display_name=f"{tid}: storage quota enforcement",
            opts=child(self),
        )
        grants = [
            gcp.tags.TagValueIamMember(
                f"{name}-enforcer-tag-value",
                tag_value=value.name,
                role=TAG_USER,
                member=enforcer.member,
                opts=child(self),
            ),
            gcp.storage.BucketIAMMember(
                f"{name}-enforcer-bucket",
                bucket=args.bucket_name,
                role=TAG_USER,
                member=enforcer.member,
                opts=child(self),
            ),
            gcp.projects.IAMMember(
                f"{name}-enforcer-invoker",
                project=args.project,
                role=WORKFLOWS_INVOKER,
                member=enforcer.member,
                opts=child(self),
            ),
        ]
        workflow = gcp.workflows.Workflow(
            f"{name}-workflow",
            name=names.storage_quota_tag_key(tid),
            project=args.project,
            region=args.region,
            description=f"Withdraws and restores {tid}'s object creation at its storage quota",
            service_account=enforcer.email,
            source_contents=WORKFLOW_SOURCE,
            user_env_vars={
                "TAG_VALUE": pulumi.Output.concat("tagValues/", value.name),
                "BUCKET_RESOURCE": pulumi.Output.from_input(args.bucket_name).apply(
                    bucket_resource
                ),
                "TAG_BINDINGS": tag_bindings_endpoint(args.region),
            },
            labels=own.gcp_labels(),
            deletion_protection=False,  # stateless: it is recreated from this source
            opts=child(self),
        )
        gcp.eventarc.Trigger(
            f"{name}-trigger",
            name=names.storage_quota_tag_key(tid),
            project=args.project,
            location=args.region,
            matching_criterias=[
                gcp.eventarc.TriggerMatchingCriteriaArgs(attribute="type", value=PUBSUB_EVENT)
            ],
            transport=gcp.eventarc.TriggerTransportArgs(
                pubsub=gcp.eventarc.TriggerTransportPubsubArgs(topic=topic.id)
            ),
            destination=gcp.eventarc.TriggerDestinationArgs(workflow=workflow.id),
            service_account=enforcer.email,
            labels=own.gcp_labels(),
            opts=child(self, depends_on=grants),
        )
        self.register_outputs({"channel": self.channel.name})
