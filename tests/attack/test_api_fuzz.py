"""The whole API fuzzed from its OpenAPI document: no 500s, every answer matches the schema.

Gate endpoints are fuzzed with a valid device token so the fuzzer gets past
authentication. Bounded for `make test` (FAIRGATE_FUZZ_EXAMPLES, default 25 per
operation); the longer run in docs/RELIABILITY.md sets it to 500.
"""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from registration import create_app

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]
EXAMPLES = int(os.environ.get("FAIRGATE_FUZZ_EXAMPLES", "25"))
DEVICE_PATHS = ("/api/v1/gate/",)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A seeded service and the headers of an enrolled CNCC kiosk."""
    from flask_migrate import upgrade

    from registration.cli.demo import seed_demo
    from registration.extensions import db
    from registration.services import devices

    instance = tmp_path_factory.mktemp("fuzz")
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{instance / 'fuzz.sqlite'}"},
                     instance_path=str(instance))
    with app.app_context():
        upgrade()
        seed_demo(datetime.now(ZoneInfo("Asia/Shanghai")).date(), 3)
        code, _ = devices.new_enrollment_code("CNCC", "CNCC-E1")
        db.session.commit()
    token = app.test_client().post("/api/v1/devices/enroll",
                                   json={"code": code, "name": "fuzz"}).get_json()["token"]
    return app, {"Authorization": f"Bearer {token}"}


def test_no_server_errors_and_answers_match_the_schema(fuzzed):
    app, device_headers = fuzzed
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        headers = device_headers if operation.path.startswith(DEVICE_PATHS) else {}
        _fuzz(operation, headers)


def _fuzz(operation, headers: dict) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{operation.label}: {response.text}"
        # Schema-valid data can still be semantically wrong (a resident ID with a bad
        # check digit is a valid string), so acceptance of positive data is not required.
        case.validate_response(response, checks=CHECKS)

    run()
