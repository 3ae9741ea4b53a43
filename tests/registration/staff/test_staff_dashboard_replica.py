"""Dashboards read from the read replica when one is configured (FAIRGATE_REPLICA_DATABASE_URL)."""
from __future__ import annotations

import pytest

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/none"


@pytest.fixture(params=["primary-as-replica", "unreachable-replica"])
def app(request, make_app, database_url):
    replica = database_url if request.param == "primary-as-replica" else UNREACHABLE
    return make_app(REPLICA_DATABASE_URL=replica)


def test_dashboard_numbers_come_from_the_replica(request, app, venues, book_online,
                                                 staff_client):
    for _ in range(2):
        assert book_online(venues)["status"] == 201  # bookings use the primary
    answer = staff_client("supervisor", "CNCC").get(
        f"/staff/dashboard/CNCC/{venues.isoformat()}.json")
    if "unreachable" in request.node.callspec.id:
        # Only the replica is down: the dashboard says so, bookings above went through.
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "unavailable"
    else:
        assert answer.status_code == 200
        assert (answer.get_json()["booked"], answer.get_json()["quota"]) == (2, 10)
