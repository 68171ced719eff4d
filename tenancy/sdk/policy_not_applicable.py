"""The exception a CrossGuard policy raises through ``args.not_applicable()``.

``pulumi_policy.policy._NotApplicableError`` is private; the offline checker (``tenancy check``)
runs the policies itself and must treat it as "skip", as the analyzer does.
"""

from __future__ import annotations

from pulumi_policy.policy import _NotApplicableError as NotApplicable

__all__ = ["NotApplicable"]
