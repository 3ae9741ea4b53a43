"""Many members added at once for an exhibitor's last badges: never more than the quota."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from membertools import csv_bytes

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgresql"])
def backend(request):
    return request.param


def _race(app, code: str, work) -> list[str]:
    """Run ``work(organisation)`` from one thread per item, released together; each in its
    own unit of work. The outcomes: "ok" or the refusal's code."""
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Organisation
    from registration.services.errors import ServiceError

    barrier = threading.Barrier(len(work), timeout=60)
    results: list[str] = [""] * len(work)

    def worker(index: int) -> None:
        with app.app_context():
            organisation = db.session.scalar(select(Organisation).where(
                Organisation.code == code))
            barrier.wait()
            try:
                with unit_of_work():
                    work[index](organisation)
            except ServiceError as err:
                results[index] = err.code
            else:
                results[index] = "ok"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _counts(app, code: str) -> tuple[int, int]:
    from registration.extensions import db
    from registration.models import Credential, CredentialStatus, Organisation

    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
        active = db.session.scalar(select(func.count()).select_from(Credential).where(
            Credential.organisation_id == organisation.id,
            Credential.status == CredentialStatus.APPROVED))
        return organisation.badges_used, active


def test_concurrent_adds_never_exceed_the_badge_quota(app, make_org, member):
    from registration.actions import members as member_actions
    from registration.actions.actors import Actor

    code = make_org("exhibitor", area=9)  # three badges
    actor = Actor.organisation(code)
    people = [member() for _ in range(10)]  # within the connection pool (5 + 10)
    results = _race(app, code, [
        (lambda person: lambda org: member_actions.add_member(actor, org, person))(person)
        for person in people])
    assert results.count("ok") == 3
    assert set(results) - {"ok"} == {"badge_quota_full"}
    assert _counts(app, code) == (3, 3)


def test_concurrent_lists_are_each_all_or_nothing(app, make_org, make_resident_id):
    """Two lists of two for three badges: one list is added whole, the other not at all."""
    from registration.actions import members as member_actions
    from registration.actions.actors import Actor

    code = make_org("exhibitor", area=9)
    actor = Actor.organisation(code)
    files = [csv_bytes([f"cn_resident_id,{make_resident_id()},张三" for _ in range(2)])
             for _ in range(4)]
    results = _race(app, code, [
        (lambda data: lambda org: member_actions.import_members(actor, org, data))(data)
        for data in files])
    assert results.count("ok") == 1
    assert set(results) - {"ok"} == {"invalid_member_file"}
    assert _counts(app, code) == (2, 2)
