"""The schemas speak gate's vocabularies: their ``OneOf`` values are taken from the enums in
gate/, never listed again, so a code added there is accepted on the wire at once."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from marshmallow import ValidationError, validate

from gate.documents import DocumentType
from gate.passes import PassKind
from gate.reasons import Colour, Reason
from gate.vocabulary import AnomalyCode, GateStatus
from schemas.appointments import DocumentInputSchema
from schemas.gate import (
    AnomalySchema, CheckInEventSchema, ManifestItemSchema, VerdictSchema,
)

SCHEMAS = Path(__file__).parents[2] / "schemas"


def one_of(schema, name: str) -> set[str]:
    [choice] = [v for v in schema().fields[name].validators if isinstance(v, validate.OneOf)]
    return set(choice.choices)


@pytest.mark.parametrize("schema,name,vocabulary", [
    (ManifestItemSchema, "status", GateStatus),
    (ManifestItemSchema, "kind", PassKind),
    (DocumentInputSchema, "type", DocumentType),
    (CheckInEventSchema, "reason", Reason),
    (VerdictSchema, "reason", Reason),
    (VerdictSchema, "colour", Colour),
])
def test_one_of_is_the_gate_vocabulary(schema, name, vocabulary):
    assert one_of(schema, name) == {member.value for member in vocabulary}


def test_anomaly_codes_are_documented_from_the_gate_vocabulary():
    # Documented, not validated: a kiosk takes answers naming codes it does not know yet.
    documented = AnomalySchema().fields["code"].metadata["enum"]
    assert documented == [code.value for code in AnomalyCode]
    assert AnomalySchema().load({"event": "e1", "code": "from_a_newer_service",
                                 "serial": None})["code"] == "from_a_newer_service"


def test_a_status_outside_the_vocabulary_is_refused():
    with pytest.raises(ValidationError) as refused:
        ManifestItemSchema().load({"status": "paused"}, partial=True)
    assert "status" in refused.value.messages


def test_no_schema_lists_a_vocabulary_of_its_own():
    """No tuple or list of two or more string literals passed to OneOf (or kept as a module
    constant) in schemas/: the values come from gate/."""
    listed = []
    for path in SCHEMAS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) > 1 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str)
                    and e.value.isidentifier() and e.value.islower() for e in node.elts):
                values = {e.value for e in node.elts}
                if values & {m.value for kind in (GateStatus, PassKind, DocumentType, Reason,
                                                  Colour, AnomalyCode) for m in kind}:
                    listed.append(f"{path.name}:{node.lineno}")
    assert listed == []
