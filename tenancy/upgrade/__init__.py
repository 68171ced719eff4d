"""The Free -> Standard upgrade as one durable Temporal workflow (docs/lifecycle.md).

``model`` holds the workflow's data and step names (no I/O, safe in the workflow sandbox),
``workflow`` the orchestration, ``activities`` the steps, ``stores`` and ``routing`` the
interfaces the steps move data and traffic through, and ``runtime`` the worker and client.
"""
