"""The OpenAPI document at /api/openapi.json says what the API accepts: its examples are
accepted, what it forbids is refused, every API route is in it, and the gate operations
declare the device token they need."""
from __future__ import annotations

import copy
import re

import jsonschema_rs
import pytest

JSON = "application/json"


@pytest.fixture
def demo(app):
    """The service seeded as `make run` seeds it; returns (client, document)."""
    seeded = app.test_cli_runner().invoke(args=["demo", "--days", "3"])
    assert seeded.exit_code == 0, seeded.output
    client = app.test_client()
    return client, client.get("/api/openapi.json").get_json()


def request_bodies(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is not None:
                yield path, method, operation, body["content"][JSON]


def validator(document, content):
    return jsonschema_rs.validator_for(
        {**content["schema"], "components": document["components"]})


def test_every_request_body_has_an_example_the_document_allows(demo):
    _, document = demo
    bodies = list(request_bodies(document))
    assert len(bodies) >= 8
    for path, method, _, content in bodies:
        assert "example" in content, f"{method.upper()} {path} has no example"
        errors = [error.message for error in
                  validator(document, content).iter_errors(content["example"])]
        assert errors == [], f"{method.upper()} {path}: {errors}"


def test_the_booking_examples_are_accepted_as_served(demo):
    client, document = demo
    for path in ("/api/v1/appointments", "/api/v1/groups"):
        example = document["paths"][path]["post"]["requestBody"]["content"][JSON]["example"]
        response = client.post(path, json=example)
        assert response.status_code == 201, (path, response.get_json())
    venue_day = document["paths"]["/api/v1/venues/{venue}/days/{date}"]["get"]["parameters"]
    venue, day = (parameter["example"] for parameter in venue_day)
    assert client.get(f"/api/v1/venues/{venue}/days/{day}").status_code == 200


BLANKED = {  # the fields the issue found blank-accepting, as paths into each example
    "/api/v1/appointments": [("document", "number"), ("name",), ("slot",), ("venue",),
                             ("lang",)],
    "/api/v1/appointments/lookup": [("code",), ("document_number",), ("lang",)],
    "/api/v1/groups": [("organisation",), ("members", 0, "name"),
                       ("members", 1, "document", "number"), ("lang",)],
}


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_field_is_refused_by_the_document_and_the_service(demo, blank):
    client, document = demo
    for path, fields in BLANKED.items():
        content = document["paths"][path]["post"]["requestBody"]["content"][JSON]
        for field in fields:
            body = copy.deepcopy(content["example"])
            target = body
            for key in field[:-1]:
                target = target[key]
            target[field[-1]] = blank
            assert not validator(document, content).is_valid(body), (path, field)
            response = client.post(path, json=body)
            assert response.status_code == 422, (path, field, response.get_json())
            named = ".".join(str(key) for key in field)
            assert named in response.get_json()["error"]["fields"], (path, field)


# Routes of work in progress beside this, to be documented as they land (then removed here).
NOT_YET_DOCUMENTED: set[str] = set()


def route_shape(path: str) -> str:
    """A path with its parameters unnamed: Flask's ``<date_text>`` is the document's
    ``{date}``."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_api_route_is_documented(demo, app):
    _, document = demo
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json":
            routes.add(route_shape(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)))
    documented = {route_shape(path) for path in document["paths"]}
    assert routes - NOT_YET_DOCUMENTED - documented == set()
    assert documented <= routes  # nothing documented that is not served


def test_operations_declare_the_credentials_they_need(demo):
    """An operation whose every security requirement names a scheme (none is ``{}``,
    anonymous) answers 401 without credentials, as it documents."""
    client, document = demo
    schemes = document["components"]["securitySchemes"]
    secured = [(path, method, operation)
               for path, operations in document["paths"].items()
               for method, operation in operations.items()
               if operation.get("security") and {} not in operation["security"]]
    assert {path for path, _, _ in secured} >= {
        "/api/v1/gate/manifest", "/api/v1/gate/events", "/api/v1/gate/verify",
        "/api/v1/gate/leases"}
    for path, method, operation in secured:
        for requirement in operation["security"]:
            assert set(requirement) <= set(schemes), path
        assert "401" in operation["responses"], path
        body = operation.get("requestBody", {}).get("content", {}).get(JSON, {}).get("example")
        response = client.open(path, method=method.upper(), json=body)
        assert response.status_code == 401, (path, response.get_json())


def test_the_examples_follow_the_open_days(app):
    """No open day: the document is served with its fixed examples; once the demo is
    seeded, the next request names an open day (the cached document is not stale)."""
    client = app.test_client()
    before = client.get("/api/openapi.json").get_json()
    body = before["paths"]["/api/v1/appointments"]["post"]["requestBody"]["content"][JSON]
    assert client.post("/api/v1/appointments", json=body["example"]).status_code == 422
    assert app.test_cli_runner().invoke(args=["demo", "--days", "2"]).exit_code == 0
    after = client.get("/api/openapi.json").get_json()
    body = after["paths"]["/api/v1/appointments"]["post"]["requestBody"]["content"][JSON]
    assert client.post("/api/v1/appointments", json=body["example"]).status_code == 201


@pytest.mark.parametrize("area,allowed", [(0, False), (-1, False), (0.5, True),
                                          (100000, True), (100000.5, False)])
def test_an_open_range_end_is_an_open_end_in_the_document_and_the_service(demo, area, allowed):
    """A stand of 0 m² is refused by the schema (Range min_inclusive=False): the document
    says exclusiveMinimum so that no client is told it may send it (schemathesis found it)."""
    client, document = demo
    content = document["paths"]["/api/v1/organisations"]["post"]["requestBody"]["content"][JSON]
    body = copy.deepcopy(content["example"])
    body["stand"] = {"venue": "CNCC", "hall": "E1", "area_m2": area}
    errors = list(validator(document, content).iter_errors(body))
    assert (errors == []) is allowed
    answer = client.post("/api/v1/organisations", json=body)
    assert (answer.status_code != 422) is allowed, answer.get_json()
    if not allowed:
        assert "stand.area_m2" in answer.get_json()["error"]["fields"]
