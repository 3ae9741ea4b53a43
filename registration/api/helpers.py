"""What every API view does: read JSON through a schema, commit once, answer JSON."""
from __future__ import annotations

from flask import g, request
from marshmallow import Schema, ValidationError

from registration.extensions import db


def load_body(schema: Schema) -> dict:
    """The request's JSON validated by ``schema``; ValidationError (-> 422) otherwise."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError({"_schema": ["Invalid JSON body."]})
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["Invalid input type."]})
    if data.get("lang") in ("zh", "en"):
        g.lang = data["lang"]  # errors found while loading answer in this language too
    return schema.load(data)


def commit() -> None:
    """The single commit of a request; errors before it roll everything back."""
    db.session.commit()
