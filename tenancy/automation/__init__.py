"""Real Pulumi operations over the stack model, driven through the Automation API.

- ``adapter``: the ``StackOperations`` protocol and ``PulumiAutomation``, its only real
  implementation.
- ``orchestrator``: stack selection (incl. ``--changed-since``), ordering, parallelism, retries,
  summaries.
- ``cli``: ``register(app)`` adds ``preview``, ``up``, ``refresh``, ``destroy`` and ``pr-comment``.
- ``registry_diff``: "a tenant file is deleted only after ``offboarding``", for ``validate --base``.
- ``pr_comment``: the pull-request report.

See docs/automation.md.
"""
