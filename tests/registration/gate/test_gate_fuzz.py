"""The gate endpoints fuzzed from the OpenAPI document *with* a valid device token, so the
fuzzer gets past authentication: no 500s, and every answer matches its documented schema."""
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
          checks.content_type_conformance, checks.response_schema_conformance]
EXAMPLES = int(os.environ.get("FAIRGATE_FUZZ_EXAMPLES", "25"))
GATE_PATHS = ("/api/v1/gate/", "/api/v1/devices/")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    from flask_migrate import upgrade

    from registration.cli.demo import seed_demo
    from registration.extensions import db
    from registration.services import devices

    instance = tmp_path_factory.mktemp("gate-fuzz")
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{instance / 'fuzz.sqlite'}"},
                     instance_path=str(instance))
    with app.app_context():
        upgrade()
        seed_demo(datetime.now(ZoneInfo("Asia/Shanghai")).date(), 2)
        code, _ = devices.new_enrollment_code("CNCC", "CNCC-E1")
        db.session.commit()
    token = app.test_client().post("/api/v1/devices/enroll",
                                   json={"code": code, "name": "fuzz"}).get_json()["token"]
    return app, {"Authorization": f"Bearer {token}"}


def test_gate_endpoints_with_a_device_token(fuzzed):
    app, headers = fuzzed
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(GATE_PATHS)]
    assert len(operations) == 5
    for operation in operations:
        _fuzz(operation, headers)


def _fuzz(operation, headers) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{operation.label}: {response.text}"
        case.validate_response(response, checks=CHECKS)

    run()
