"""Answers every operation can give whatever its route says, added to the OpenAPI schema in one
place: 401/403 where a token is needed, 422 where there is input, 429 where limits apply."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_REF = {"description": "Error with a stable code", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
ERROR_COMPONENT = {
    "type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "message_zh"],
        "properties": {"code": {"type": "string", "examples": ["RATE_LIMITED"]},
                       "message": {"type": "string"}, "message_zh": {"type": "string"},
                       "details": {"type": "object"}, "fields": {"type": "array"}},
        "additionalProperties": True}}}
LIMITED_PREFIXES = ("/api/", "/admin/")
_METHODS = ("get", "post", "put", "delete", "patch")


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = \
        ERROR_COMPONENT
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            wanted: list[str] = []
            if op.get("security"):
                wanted += ["401"]
                if path.startswith("/admin/"):
                    wanted += ["403"]
            if op.get("parameters") or op.get("requestBody"):
                wanted += ["422"]
            if path.startswith(LIMITED_PREFIXES):
                wanted += ["429"]
            for code in wanted:
                responses.setdefault(code, ERROR_REF)
    return schema


def install(app: FastAPI) -> None:
    """Wrap `app.openapi` so the schema (cached by FastAPI) carries the edge's answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
