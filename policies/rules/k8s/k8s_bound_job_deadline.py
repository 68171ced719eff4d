"""k8s-bound-job-deadline: Pulumi waits for a Job longer than the Job may run, and the Job stays."""

from __future__ import annotations

from domain.provider_facts import JOB_AWAIT_DEFAULT_SECONDS, JOB_AWAIT_SOURCE
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "k8s-bound-job-deadline"
ANCHORS = (provider("pulumi-kubernetes-job-await", JOB_AWAIT_SOURCE),)
JOB = "kubernetes:batch/v1:Job"


def check(job: Subject, report: Report, config: Config) -> None:
    deadline = job.get("spec.activeDeadlineSeconds")
    # A Job is awaited on create and on update (its pod template changes replace it).
    awaited = min(
        job.create_timeout or JOB_AWAIT_DEFAULT_SECONDS,
        job.update_timeout or JOB_AWAIT_DEFAULT_SECONDS,
    )
    if deadline is None:
        report.violation(
            f"{job.label}: no spec.activeDeadlineSeconds; Pulumi gives up after {int(awaited)}s "
            "while the Job may run on"
        )
    elif float(deadline) >= awaited:
        report.violation(
            f"{job.label}: spec.activeDeadlineSeconds is {deadline}, but Pulumi waits only "
            f"{int(awaited)}s (customTimeouts create/update, default 10 minutes): a slow run "
            "fails `up` while it is still allowed to finish"
        )
    if job.get("spec.ttlSecondsAfterFinished") is not None:
        report.violation(
            f"{job.label}: spec.ttlSecondsAfterFinished deletes the finished Job, which every "
            "refresh then reports as drift and the next `up` re-creates"
        )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Jobs Pulumi awaits set activeDeadlineSeconds below the await timeout (customTimeouts, "
        "default 10 minutes) and no ttlSecondsAfterFinished."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={JOB},
    check=check,
    remediation=(
        "Give the Job customTimeouts (create/update) longer than activeDeadlineSeconds and drop "
        "ttlSecondsAfterFinished."
    ),
)
