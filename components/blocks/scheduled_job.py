"""The one scaffold of the tenant's scheduled jobs (Neo4j backups, PostgreSQL and Firestore
exports): a CronJob in the tenant namespace whose pod runs under the platform's restricted Pod
Security contexts, never overlaps itself (``concurrencyPolicy: Forbid``), and mounts only
scratch ``emptyDir`` volumes. Callers pass only what differs: containers, schedule, limits.

A plain function, not a component: the CronJob stays a direct child of the caller's component,
so its URN is the one it had before the scaffold was shared.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.conventions import Ownership, child, restricted_pod_security

APP_LABEL = "app.kubernetes.io/name"


def empty_dir(name: str, size_limit: str | None = None) -> k8s.core.v1.VolumeArgs:
    """A scratch volume: the restricted containers' root file systems are read-only."""
    return k8s.core.v1.VolumeArgs(
        name=name, empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=size_limit)
    )


def scheduled_job(
    name: str,
    *,
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource | None,
    ownership: Ownership,
    job_name: pulumi.Input[str],
    namespace: pulumi.Input[str],
    schedule: str,
    app: str,
    service_account: str,
    containers: Sequence[k8s.core.v1.ContainerArgs],
    init_containers: Sequence[k8s.core.v1.ContainerArgs] | None = None,
    scratch: Sequence[str] = (),
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    backoff_limit: int,
    active_deadline_seconds: int | None = None,
    history_limit: int | None = None,
) -> k8s.batch.v1.CronJob:
    """The CronJob ``<name>-cronjob`` named ``job_name``; its pods carry ``app`` as
    ``app.kubernetes.io/name`` (network policies select on it) and one emptyDir per ``scratch``
    name, then ``volumes``. ``None`` leaves a limit to Kubernetes' default."""
    return k8s.batch.v1.CronJob(
        f"{name}-cronjob",
        metadata=ownership.k8s_meta(job_name, namespace),
        spec=k8s.batch.v1.CronJobSpecArgs(
            schedule=schedule,
            concurrency_policy="Forbid",
            successful_jobs_history_limit=history_limit,
            failed_jobs_history_limit=history_limit,
            job_template=k8s.batch.v1.JobTemplateSpecArgs(
                spec=k8s.batch.v1.JobSpecArgs(
                    backoff_limit=backoff_limit,
                    active_deadline_seconds=active_deadline_seconds,
                    template=k8s.core.v1.PodTemplateSpecArgs(
                        metadata=k8s.meta.v1.ObjectMetaArgs(
                            labels=ownership.k8s_labels(**{APP_LABEL: app})
                        ),
                        spec=k8s.core.v1.PodSpecArgs(
                            service_account_name=service_account,
                            restart_policy="Never",
                            security_context=restricted_pod_security(),
                            init_containers=list(init_containers) if init_containers else None,
                            containers=list(containers),
                            volumes=[*(empty_dir(volume) for volume in scratch), *volumes],
                        ),
                    ),
                )
            ),
        ),
        opts=child(parent, provider=provider),
    )
