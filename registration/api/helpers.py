"""What every API view does: read JSON through a schema (the one commit of a request is
registration/actions/unit.py's ``unit_of_work``)."""
from __future__ import annotations

from flask import current_app, g, request
from marshmallow import Schema, ValidationError

from registration.hardening import JsonTooDeep

INVALID_JSON = "Invalid JSON body."
TOO_DEEP = "JSON nested too deeply."


def load_body(schema: Schema) -> dict:
    """The request's JSON validated by ``schema``; ValidationError (-> 422) otherwise.

    The body is at most MAX_JSON_BYTES (or the route's own limit, 413 beyond it) and
    nested at most MAX_JSON_DEPTH deep (registration/hardening.py)."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError({"_schema": [_json_problem()]})
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["Invalid input type."]})
    if data.get("lang") in ("zh", "en"):
        g.lang = data["lang"]  # errors found while loading answer in this language too
    return schema.load(data)


def _json_problem() -> str:
    """Why the body is not usable JSON (only computed on the error path)."""
    if request.is_json:
        try:
            current_app.json.loads(request.get_data(cache=True))
        except JsonTooDeep:
            return TOO_DEEP
        except ValueError:
            pass
    return INVALID_JSON
