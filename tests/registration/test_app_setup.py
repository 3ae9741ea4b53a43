"""The service starts the way an operator expects: keys, configuration, migrations."""
from __future__ import annotations

import json
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registration import create_app
from registration.keys import KeysMissing


def test_keys_are_created_on_first_run_with_owner_only_permissions(tmp_path):
    app = create_app({"TESTING": True}, instance_path=str(tmp_path))
    key_file = tmp_path / "fairgate-keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = json.loads(key_file.read_text())
    assert {"secret_key", "document_key", "index_key", "signing_keys"} <= set(content)
    again = create_app({"TESTING": True}, instance_path=str(tmp_path))
    assert (again.extensions["fairgate.keys"].current_signing_key.key_id
            == app.extensions["fairgate.keys"].current_signing_key.key_id)


def test_production_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(KeysMissing, match="fairgate keys init"):
        create_app({"ENV": "production"}, instance_path=str(tmp_path))
    assert not (tmp_path / "fairgate-keys.json").exists()


def test_configuration_precedence(tmp_path, monkeypatch):
    (tmp_path / "fairgate.cfg").write_text('RETENTION_DAYS = 10\nCONSENT_VERSION = "file"\n'
                                           'BOOKING_HORIZON_DAYS = 5\n')
    monkeypatch.setenv("FAIRGATE_RETENTION_DAYS", "20")
    monkeypatch.setenv("FAIRGATE_CONSENT_VERSION", "env")
    app = create_app({"CONSENT_VERSION": "test"}, instance_path=str(tmp_path))
    assert app.config["BOOKING_HORIZON_DAYS"] == 5      # instance file over defaults
    assert app.config["RETENTION_DAYS"] == 20           # environment over instance file
    assert app.config["CONSENT_VERSION"] == "test"      # test overrides over environment
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("fairgate.sqlite")


def test_ratelimit_switch_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRGATE_RATELIMIT_ENABLED", "0")
    app = create_app(instance_path=str(tmp_path))
    assert not app.config["RATELIMIT_ENABLED"]


def test_migrations_match_the_models(app):
    from registration.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_healthz_reports_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_healthz_fails_cleanly_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL":
                      "postgresql+psycopg://postgres@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}},
                     instance_path=str(tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_openapi_document_describes_the_visitor_api(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/venues", "/api/v1/venues/{venue}/days/{date}", "/api/v1/appointments",
                 "/api/v1/appointments/lookup", "/api/v1/appointments/{code}/cancel",
                 "/api/v1/groups", "/api/v1/passes/{serial}.{fmt}", "/api/v1/keys"):
        assert path in spec["paths"], path
    booking = spec["components"]["schemas"]["BookingRequest"]
    assert {"venue", "date", "document", "name", "consent"} <= set(booking["required"])
    assert "Error" in spec["components"]["schemas"]


def test_openapi_document_states_the_configured_limits(make_app):
    app = make_app(GROUP_MAX_MEMBERS=7, GATE_EVENT_BATCH_MAX=9, GATE_LEASE_MAX_REQUEST=11,
                   GATE_MANIFEST_PAGE_MAX=13)
    spec = app.test_client().get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["GroupRequest"]["properties"]["members"]["maxItems"] == 7
    assert schemas["EventBatch"]["properties"]["events"]["maxItems"] == 9
    assert schemas["LeaseRequest"]["properties"]["request"]["maximum"] == 11
    [limit] = [parameter for parameter in spec["paths"]["/api/v1/gate/manifest"]["get"][
        "parameters"] if parameter["name"] == "limit"]
    assert limit["schema"]["maximum"] == 13
