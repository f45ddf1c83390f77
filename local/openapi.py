"""The API's one OpenAPI document, merged from every function's resolver (`make openapi` writes docs/openapi.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from local import template

DOC = template.ROOT / "docs" / "openapi.json"
TRANSFER_SCHEMA = template.ROOT / "docs" / "transfer-format.schema.json"
DESCRIPTION = (
    "casework: case management for justice and children's social work services. Every route needs a "
    "Cognito ID token (`Authorization: Bearer <token>`); errors are application/problem+json (RFC 9457)."
)


def document() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    merge = OpenAPIMerge(
        title="casework API",
        version="0.1.0",
        description=DESCRIPTION,
        security_schemes={"cognito": HTTPBearer(bearerFormat="JWT", description="Cognito user pool ID token")},
        security=[{"cognito": []}],
        on_conflict="error",
    )
    for function in sorted(template.functions().values(), key=lambda f: f.name):
        app = template.import_handler_module(function).app
        merge.add_schema(app.get_openapi_schema(title="casework API", version="0.1.0"))
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    return schema


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def render_transfer_schema() -> str:
    """The JSON Schema of the transfer file (docs/transfer-format.md), from its pydantic model."""
    from casework.schemas.transfer import TransferFile

    schema = TransferFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:casework:transfer-file:1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    from local import env

    env.configure(None)  # settings need table names, though nothing is called
    outputs = {DOC: render(), TRANSFER_SCHEMA: render_transfer_schema()}
    if "--check" in sys.argv:
        stale = [p.name for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        if stale:
            sys.exit(f"{', '.join(stale)} stale: run `make openapi`")
        return
    for path, text in outputs.items():
        Path(path).write_text(text)
        print(f"wrote {path.relative_to(template.ROOT)}")


if __name__ == "__main__":
    main()
