"""The tools of the platform: the `tenancy` command, the offline plan, the policy check, the
Automation API driver, the database tooling and the generated docs. The top layer: it may import
the domain, the components, the stack program and the policies; nothing imports it."""
