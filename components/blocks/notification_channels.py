"""Cloud Monitoring notification channels: who is told when an alert fires.

The environment names the platform's on-call (email, Slack, PagerDuty); an enterprise tenant adds
its own on-call. Slack tokens and PagerDuty service keys never pass through Pulumi config or the
plan: they are read from Secret Manager secrets that the on-call team creates, and the
channel's ``sensitive_labels`` hold them as Pulumi secrets.

Channel types and their label keys: Cloud Monitoring's channel descriptors
(``gcloud beta monitoring channel-descriptors list``): ``email`` takes ``email_address``,
``slack`` takes ``channel_name`` plus the ``auth_token`` sensitive label, ``pagerduty`` takes the
``service_key`` sensitive label (terraform-provider-google, google_monitoring_notification_channel
docs, "sensitive_labels").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child


@dataclass(frozen=True)
class Channel:
    """One channel: ``kind`` is email, slack or pagerduty; ``target`` the address, Slack channel
    or PagerDuty service name; ``secret`` the Secret Manager secret id holding the token."""

    key: str
    kind: str
    target: str
    secret: str | None = None


@dataclass
class NotificationChannelsArgs:
    channels: list[Channel]
    project: pulumi.Input[str]
    ownership: Ownership
    display_prefix: str


def _token(project: pulumi.Input[str], secret: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    version = gcp.secretmanager.get_secret_version_output(
        project=project, secret=secret, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return pulumi.Output.secret(version.secret_data)


class NotificationChannels(pulumi.ComponentResource):
    ids: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: NotificationChannelsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:NotificationChannels", name, {}, opts)
        self.ids = []
        for channel in args.channels:
            labels: dict[str, str] = {}
            sensitive: gcp.monitoring.NotificationChannelSensitiveLabelsArgs | None = None
            if channel.kind == "email":
                labels["email_address"] = channel.target
            elif channel.kind == "slack":
                labels["channel_name"] = channel.target
                sensitive = gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
                    auth_token=_token(args.project, _required(channel), self)
                )
            elif channel.kind == "pagerduty":
                sensitive = gcp.monitoring.NotificationChannelSensitiveLabelsArgs(
                    service_key=_token(args.project, _required(channel), self)
                )
            else:
                raise ValueError(f"notification channel {channel.key}: unknown kind {channel.kind}")
            resource = gcp.monitoring.NotificationChannel(
                f"{name}-{channel.key}",
                project=args.project,
                type=channel.kind,
                display_name=f"{args.display_prefix} {channel.key} ({channel.kind})",
                labels=labels,
                sensitive_labels=sensitive,
                user_labels=args.ownership.gcp_labels(),
                opts=child(self),
            )
            self.ids.append(resource.name)
        self.register_outputs({"channels": self.ids})


def _required(channel: Channel) -> str:
    if not channel.secret:
        raise ValueError(f"notification channel {channel.key}: {channel.kind} needs a secret")
    return channel.secret
