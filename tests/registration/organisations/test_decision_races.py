"""Decisions racing each other (SQLite and PostgreSQL): of reviewers deciding one
organisation at once exactly one wins; the others are 409 and leave no audit entry. Two
registrations of one USCC at once: one organisation."""
from __future__ import annotations

import threading

from sqlalchemy import func, select


def _together(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_one_of_several_decisions_wins(app, staff_client, register, organisation):
    from registration.extensions import db
    from registration.models import AuditEntry

    code = register()
    admin, supervisor = staff_client("admin"), staff_client("supervisor", "CNCC")
    calls = []
    for index in range(6):
        client = admin if index % 2 else supervisor
        if index % 3:
            calls.append(lambda c=client: c.post(
                f"/staff/review/organisations/{code}/approve", data={}).status_code)
        else:
            calls.append(lambda c=client: c.post(
                f"/staff/review/organisations/{code}/reject",
                data={"reason": "Duplicate registration"}).status_code)
    statuses = _together(calls)
    assert sorted(statuses).count(302) == 1 and sorted(statuses).count(409) == 5
    with app.app_context():
        decisions = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(["organisation_approved", "organisation_rejected"])))
    assert decisions == 1
    assert organisation(code).status.value in ("approved", "rejected")


def test_one_organisation_per_uscc_under_concurrency(app, org_body, venue):
    from registration.extensions import db
    from registration.models import Organisation

    body = org_body(uscc="91350100M000100Y43")
    statuses = _together([lambda: app.test_client().post(
        "/api/v1/organisations", json=body).status_code for _ in range(8)])
    assert sorted(statuses) == [201] + [409] * 7
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
