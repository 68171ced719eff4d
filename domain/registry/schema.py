"""JSON Schema of tenant files, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from domain import names
from domain.registry.models import Tenant


def tenant_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(Tenant).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Tenant file (tenants/<id>.yaml)"
    # The id's rules in schema form: the pattern (ECMA-262 regex), the length and the reserved ids.
    for model in schema.get("$defs", {}).values():
        props = model.get("properties", {})
        if "id" in props and "tier" in props:  # the tenant models (not a custom role's id)
            props["id"].update(
                {
                    "type": "string",
                    "minLength": names.ID_MIN,
                    "maxLength": names.ID_MAX,
                    "pattern": names.ID_PATTERN,
                    "not": {
                        "anyOf": [
                            {"enum": sorted(names.RESERVED_IDS)},
                            {"pattern": "^(" + "|".join(names.RESERVED_PREFIXES) + ")"},
                            {"pattern": "|".join(names.FORBIDDEN_SUBSTRINGS)},
                        ]
                    },
                }
            )
    return schema
