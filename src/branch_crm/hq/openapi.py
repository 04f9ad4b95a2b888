"""The published OpenAPI document with the push body as head office really reads it: one
``Change`` variant per synced table and operation with that table's columns and their wire
types, and the schema and protocol versions head office syncs with."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Integer, Numeric

from branch_crm.hq import tables as t
from branch_crm.sync import codec
from branch_crm.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER, PushRequest

log = logging.getLogger("branch_crm.hq")


def openapi_with_push_body(app: FastAPI, min_schema: str) -> dict[str, Any]:
    """The published OpenAPI schema, with the push body as head office really reads it: a
    change names one of the synced tables and carries that table's columns (an insert every
    column head office cannot default), and the schema and protocol versions are the ones
    head office syncs with (``min_schema`` and newer). Clients and the API fuzz test generate
    requests from it."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        body = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["PushRequest"] = body
        versions = [v for v in app.state.known_schemas if v >= min_schema]
        version = {"type": "string", "enum": versions}
        body["properties"]["schema_version"] = version
        components.update(_change_schemas(components.pop("Change"), version))
        _pin_version_headers(schema, version)
        app.openapi_schema = schema
    return app.openapi_schema


INT32, INT64 = 2**31, 2**63
WIRE_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
WIRE_DATETIME_PATTERN = rf"^{WIRE_DATE} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?$"
WIRE_DATE_PATTERN = rf"^{WIRE_DATE}$"
HLC_PATTERN = r"^[0-9]{13}\.[0-9]{10}\.[0-9A-Za-z_-]{1,32}$"


def _wire_type(column: Any) -> dict[str, Any]:
    """The JSON schema of one column's wire value (see sync.codec)."""
    base = codec.base_type(column.type)
    kind: dict[str, Any]
    if isinstance(base, DateTime):
        kind = {"type": "string", "pattern": WIRE_DATETIME_PATTERN}
    elif isinstance(base, Date):
        kind = {"type": "string", "pattern": WIRE_DATE_PATTERN}
    elif isinstance(base, Boolean):
        kind = {"enum": [0, 1, True, False]}
    elif isinstance(base, JSON):
        kind = {"type": "string", "contentMediaType": "application/json"}
    elif isinstance(base, BigInteger):
        kind = {"type": "integer", "minimum": -INT64, "maximum": INT64 - 1}
    elif isinstance(base, Integer):
        kind = {"type": "integer", "minimum": -INT32, "maximum": INT32 - 1}
    elif isinstance(base, Float | Numeric):
        kind = {"type": "number"}
    else:
        kind = {"type": "string"}
        length = getattr(base, "length", None)
        if length:
            kind["maxLength"] = length
    return {"anyOf": [kind, {"type": "null"}]} if column.nullable else kind


def _change_schemas(generic: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    """``Change`` as one variant per synced table and operation (an insert, or an update /
    tombstone), each with that table's columns; returns the component schemas to add."""
    added: dict[str, Any] = {}
    variants: list[dict[str, str]] = []
    for name, (table, _kind, _keys, _partial) in sorted(t.ENTITIES.items()):
        columns = {str(c.name): _wire_type(c) for c in table.columns if c.name != "id"}
        needed = sorted(
            str(c.name)
            for c in table.columns
            if c.name != "id" and not c.nullable and c.default is None
        )
        for ops, required in ((["insert"], needed), (["update", "delete"], [])):
            data: dict[str, Any] = {
                "type": "object",
                "properties": columns,
                "additionalProperties": False,
            }
            if required:
                data["required"] = required
            properties = dict(generic["properties"])
            properties.update(
                table={"type": "string", "enum": [str(name)]},
                op={"type": "string", "enum": ops},
                data=data,
                hlc={"type": "string", "maxLength": 64, "pattern": HLC_PATTERN},
                tx={"type": "integer", "minimum": -INT64, "maximum": INT64 - 1},
                schema_version=version,
            )
            title = f"Change_{name}_{ops[0]}"
            added[title] = {**generic, "title": title, "properties": properties}
            variants.append({"$ref": f"#/components/schemas/{title}"})
    added["Change"] = {"title": "Change", "description": generic["description"], "oneOf": variants}
    return added


def _pin_version_headers(schema: dict[str, Any], version: dict[str, Any]) -> None:
    """The sync headers documented with the values head office accepts."""
    protocol = {"type": "string", "enum": [str(PROTOCOL_VERSION)]}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "header":
                    continue
                if parameter["name"] == SCHEMA_HEADER.lower():
                    parameter["schema"] = version
                elif parameter["name"] == PROTOCOL_HEADER.lower():
                    parameter["schema"] = protocol
